//! What a build wrote, and what a phone downloads for the first page.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::assets::{CHANGE_STEM, FINDER_STEM, RESULT_STEM};
use flate2::Compression;
use flate2::write::GzEncoder;

/// The first page (form, stylesheet, script) must stay under this, gzipped,
/// to load in seconds on a cheap phone over a slow connection. The centre
/// finder (its code and index), which the page loads after it is shown, is
/// not counted: the form works without it.
pub const FIRST_PAGE_BUDGET: u64 = 20 * 1024;

/// The "Check my result" page, its stylesheet, script and centres' file,
/// plus the one bucket it fetches, must stay under this, gzipped.
pub const RESULT_PAGE_BUDGET: u64 = 30 * 1024;

/// The "Change or withdraw my application" page with its stylesheet and
/// scripts (the form's and its own), gzipped: the form's fields and a
/// little more, for the same cheap phone.
pub const CHANGE_PAGE_BUDGET: u64 = 24 * 1024;

/// What a bucket of published results weighs at most, as the page fetches
/// it (random bytes do not compress): `allocator publish` keeps buckets near
/// 10 KB (see data/README.md); this leaves room for a fuller one.
pub const BUCKET_ALLOWANCE: u64 = 16 * 1024;

/// One written file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Path relative to the site root.
    pub path: PathBuf,
    /// Bytes on disk.
    pub bytes: u64,
    /// Bytes when served gzipped.
    pub gzipped: u64,
}

/// Every file written.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The files, in build order.
    pub files: Vec<FileReport>,
}

impl Report {
    pub(crate) fn add(&mut self, path: &Path, content: &[u8]) {
        self.files.push(FileReport {
            path: path.to_path_buf(),
            bytes: content.len() as u64,
            gzipped: gzipped_len(content),
        });
    }

    /// Gzipped bytes of one language's form page with its stylesheet and script.
    pub fn first_page_gzipped(&self, lang: &str) -> u64 {
        let page = Path::new(lang).join("index.html");
        let is_style_or_script = |f: &FileReport| {
            let loaded_later = f.path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(FINDER_STEM) || n.starts_with(RESULT_STEM) || n.starts_with(CHANGE_STEM)
            });
            f.path.starts_with("assets") && f.path.extension().is_some_and(|e| e == "css" || e == "js") && !loaded_later
        };
        self.files.iter().filter(|f| f.path == page || is_style_or_script(f)).map(|f| f.gzipped).sum()
    }

    /// Gzipped bytes of one language's result page with its stylesheet, its
    /// script and the largest of its centres' files (without the bucket).
    pub fn result_page_gzipped(&self, lang: &str) -> u64 {
        let page = Path::new(lang).join("result").join("index.html");
        let name = |f: &FileReport| f.path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        let assets = self.files.iter().filter(|f| f.path.starts_with("assets"));
        let css_and_script: u64 = assets
            .clone()
            .filter(|f| f.path.extension().is_some_and(|e| e == "css") || name(f).starts_with(RESULT_STEM))
            .map(|f| f.gzipped)
            .sum();
        let centres = format!("centres-{lang}-");
        let largest_centres = assets.filter(|f| name(f).starts_with(&centres)).map(|f| f.gzipped).max().unwrap_or(0);
        let page: u64 = self.files.iter().filter(|f| f.path == page).map(|f| f.gzipped).sum();
        page + css_and_script + largest_centres
    }

    /// Gzipped bytes of one language's change page with its stylesheet and
    /// scripts: the form's and its own (the centre finder comes later, as on the form).
    pub fn change_page_gzipped(&self, lang: &str) -> u64 {
        let page = Path::new(lang).join("change").join("index.html");
        let loaded = |f: &FileReport| {
            let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            f.path.starts_with("assets")
                && (name.ends_with(".css") || name.starts_with("app.") || name.starts_with(CHANGE_STEM))
        };
        self.files.iter().filter(|f| f.path == page || loaded(f)).map(|f| f.gzipped).sum()
    }

    /// Pages written (HTML files).
    pub fn pages(&self) -> usize {
        self.files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "html")).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<40} {:>10} {:>10}", "file", "bytes", "gzipped")?;
        for file in &self.files {
            writeln!(f, "{:<40} {:>10} {:>10}", file.path.display(), file.bytes, file.gzipped)?;
        }
        let (bytes, gz): (u64, u64) = self.files.iter().fold((0, 0), |(b, g), x| (b + x.bytes, g + x.gzipped));
        writeln!(f, "{:<40} {:>10} {:>10}", format!("{} files, {} pages", self.files.len(), self.pages()), bytes, gz)?;
        for lang in ["en", "ms"] {
            let first = self.first_page_gzipped(lang);
            let verdict = if first <= FIRST_PAGE_BUDGET { "within" } else { "OVER" };
            writeln!(
                f,
                "first page ({lang}: form + css + js): {first} bytes gzipped, {verdict} the {} KiB budget ({:.0}%)",
                FIRST_PAGE_BUDGET / 1024,
                first as f64 * 100.0 / FIRST_PAGE_BUDGET as f64
            )?;
            let result = self.result_page_gzipped(lang) + BUCKET_ALLOWANCE;
            let verdict = if result <= RESULT_PAGE_BUDGET { "within" } else { "OVER" };
            writeln!(
                f,
                "result page ({lang}: page + css + js + centres + a bucket of {} KiB): {result} bytes gzipped, {verdict} the {} KiB budget",
                BUCKET_ALLOWANCE / 1024,
                RESULT_PAGE_BUDGET / 1024
            )?;
            let change = self.change_page_gzipped(lang);
            let verdict = if change <= CHANGE_PAGE_BUDGET { "within" } else { "OVER" };
            writeln!(
                f,
                "change page ({lang}: page + css + js): {change} bytes gzipped, {verdict} the {} KiB budget",
                CHANGE_PAGE_BUDGET / 1024
            )?;
        }
        Ok(())
    }
}

fn gzipped_len(content: &[u8]) -> u64 {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(content);
    encoder.finish().map(|v| v.len() as u64).unwrap_or(0)
}
