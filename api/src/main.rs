fn main() -> std::process::ExitCode {
    passerelle::cli::main()
}
