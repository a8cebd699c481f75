//! `allocator scan`: read every application as the run does, and say how fast.

pub async fn run(args: &cli::StoreArgs) -> anyhow::Result<()> {
    let store = super::open_store(args).await?;
    let started = std::time::Instant::now();
    let inputs = store.read_allocation_inputs().await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "scanned {} applications in {seconds:.2}s ({:.0} a second); digest {}",
        inputs.rows.len(),
        inputs.rows.len() as f64 / seconds.max(1e-9),
        inputs.digest
    );
    store.close().await;
    Ok(())
}
