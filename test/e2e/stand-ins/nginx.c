/*
 * nginx stand-in for critest's web-server images (nginx, hostnet-nginx):
 * what the specs look for, nothing more. It answers every HTTP request on
 * PORT with 200, writes its pid to /var/run/nginx.pid, and is seen as nginx
 * is: comm "nginx" (pidof) and a cmdline with "nginx: master process". It
 * re-executes itself once under that title, so it must be /usr/sbin/nginx.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PORT
#define PORT 80
#endif
#define SELF "/usr/sbin/nginx"
#define TITLE "nginx: master process nginx -g daemon off;"

static const char reply[] =
    "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 27\r\nConnection: close\r\n\r\n"
    "<h1>critest stand-in</h1>\r\n";

static void shut_down(int signo)
{
    (void)signo;
    _exit(0);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (strcmp(argv[0], TITLE) != 0) {
        char *const title[] = {TITLE, NULL};
        execv(SELF, title);
        perror("execv " SELF);
        return 1;
    }
    signal(SIGTERM, shut_down);
    signal(SIGINT, shut_down);

    FILE *pidfile = fopen("/var/run/nginx.pid", "w");
    if (pidfile == NULL || fprintf(pidfile, "%d\n", (int)getpid()) < 0 || fclose(pidfile) != 0) {
        perror("/var/run/nginx.pid");
        return 1;
    }

    int one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(INADDR_ANY)};
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (server < 0 || setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(server, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(server, 16) != 0) {
        perror("listen");
        return 1;
    }
    printf("nginx stand-in: listening on port %d\n", PORT);
    fflush(stdout);

    for (;;) {
        char request[4096];
        int client = accept(server, NULL, NULL);
        if (client < 0)
            continue;
        if (recv(client, request, sizeof request, 0) >= 0)
            (void)!write(client, reply, sizeof reply - 1);
        close(client);
    }
}
