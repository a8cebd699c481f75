//! `allocator check`: load and check the campaign files.

pub fn run(args: &cli::StoreArgs) -> anyhow::Result<()> {
    println!("{}", cli::load_catalogue(&args.data)?.summary());
    Ok(())
}
