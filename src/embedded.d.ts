// Files embedded with `with { type: "file" }` import as their path inside
// the executable.
declare module "*.so" {
  const path: string;
  export default path;
}
