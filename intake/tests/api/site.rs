//! With `--site`, intake serves the baked site as a CDN would, and nothing
//! else: no dot-file, nothing outside the folder, no redirect elsewhere.

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_serves_its_pages_and_nothing_outside_them() {
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("secret.txt"), "not for the public").expect("write");
    let site = tempfile::tempdir().expect("temp dir");
    let root = site.path();
    std::fs::create_dir_all(root.join("en")).expect("mkdir");
    std::fs::create_dir_all(root.join(".git")).expect("mkdir");
    std::fs::write(root.join("en/index.html"), "<p>the form</p>").expect("write");
    std::fs::write(root.join("404.html"), "<p>not here</p>").expect("write");
    std::fs::write(root.join(".site-gen"), "build stamp").expect("write");
    std::fs::write(root.join(".git/config"), "[core]").expect("write");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("leak.txt")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), root.join("elsewhere")).expect("symlink");

    let site_flag = root.to_str().expect("utf-8 path");
    let app = TestApp::on_sqlite(&["--site", site_flag]).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let get = |path: &str| client.get(format!("{}{path}", app.url)).send();

    let page = get("/en/").await.expect("sent");
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.expect("text"), "<p>the form</p>");
    let redirect = get("/en").await.expect("sent");
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/en/");

    for path in [
        "/.site-gen",
        "/.git/config",
        "/%2Esite-gen",
        "/en/../.site-gen",
        "/leak.txt",
        "/elsewhere/secret.txt",
        "//en",
        "//example.com/",
        "/%5Cexample.com",
    ] {
        let response = get(path).await.expect("sent");
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.headers().get("location").is_none(), "{path} redirects");
        let body = response.text().await.expect("text");
        assert!(!body.contains("not for the public") && !body.contains("build stamp") && !body.contains("[core]"));
    }
    app.stop().await;
}
