fn main() -> std::process::ExitCode {
    upward::cli::main()
}
