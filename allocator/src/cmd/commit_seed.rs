//! `allocator commit-seed`: draw the lottery seed before registration opens.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct CommitSeedArgs {
    /// The file to create; an existing file is never overwritten.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: &CommitSeedArgs) -> anyhow::Result<()> {
    let commitment = allocator::seed::commit_new_seed(&args.out)?;
    println!(
        "wrote a new lottery seed to {} (readable by its owner only: keep it secret and safe until the run).\nPublish this line in campaign.toml before registration opens:\nlottery_commitment = \"{commitment}\"",
        args.out.display()
    );
    Ok(())
}
