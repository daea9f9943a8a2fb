/*
 * nonewprivs stand-in (kubernetes test/images/nonewprivs): installed
 * set-user-ID root, it prints the effective uid it got, so a spec can tell
 * whether no_new_privs kept the set-uid bit from taking effect.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("Effective uid: %d\n", (int)geteuid());
    return 0;
}
