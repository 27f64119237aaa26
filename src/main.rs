//! Thin binary over the `devctl` library.
fn main() -> std::process::ExitCode {
    devctl::cli::main()
}
