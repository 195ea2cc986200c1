/// mimalloc gives the memory of a freed password hash (19 MiB) back for the next one; glibc's
/// allocator raised its mmap threshold after the first and kept every later one resident
/// (19 MiB more per sign-in, measured).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    passerelle::cli::main()
}
