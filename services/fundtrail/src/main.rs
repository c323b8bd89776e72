//! `fundtrail`: see the library crate for the commands.

/// mimalloc instead of the system allocator: an executed GraphQL query
/// allocates for every field, and glibc's malloc took an eighth of the
/// server's time under the W5 load and left the heap fragmented after the
/// start-up fold (issue #16; figures in services/bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    fundtrail::main()
}
