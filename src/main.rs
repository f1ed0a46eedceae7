fn main() {
    std::process::exit(kasa::cli::main());
}
