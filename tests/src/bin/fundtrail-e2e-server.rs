//! The `fundtrail` command, built as a binary of this package for the process tests.

fn main() -> std::process::ExitCode {
    fundtrail::main()
}
