//! `raceway check-history --html`: the page, loaded in a real browser (headless Chromium).
//!
//! Where Chromium is not installed the browser half is skipped with a line saying so; under
//! CI (`CI=true`, where .ci/run installs Chromium) a missing browser fails the test.

mod common;

use common::{raceway, temp};
use std::path::Path;
use std::process::Command;

/// The stale-read example's page, written to `name` (one per test: they run in parallel).
fn page(name: &str) -> std::path::PathBuf {
    let html = temp(name);
    let (code, out, err) = raceway(&[
        "check-history",
        "examples/histories/stale-read.jsonl",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    html
}

#[test]
fn the_page_is_self_contained_and_lists_every_operation() {
    let text = std::fs::read_to_string(page("self-contained.html")).unwrap();
    for absent in ["http://", "https://", "<link", "src="] {
        assert!(!text.contains(absent), "the page must not load {absent}");
    }
    assert_eq!(
        text.matches("\" data-op=\"").count(),
        3 + 5,
        "the counterexample's 3, all 5"
    );
    assert!(text.contains("data-model=\"linearizable\""));
    assert!(text.contains("class=\"op stuck\""));
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn headless(browser: &str, profile: &Path, args: &[&str], url: &str) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[test]
fn chromium_renders_the_timelines() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is missing under CI: .ci/run installs Debian's chromium package");
        }
        println!(
            "skipped: chromium is not installed (apt-get install chromium), so the page was \
             not loaded in a browser; the_page_is_self_contained_and_lists_every_operation \
             still checks its HTML"
        );
        return;
    };
    let html = page("in-chromium.html");
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    let profile = temp("chromium-profile");
    // The DOM after the page's script ran: it counts the whole history's bars.
    let dom = headless(browser, &profile, &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("data-rendered-ops=\"5\""), "{dom}");
    for op in [
        "p0 write \"x\" 1",
        "p0 write \"x\" 2",
        "p1 read \"x\" → 1",
        "p2 read \"y\" → 5",
    ] {
        let escaped = op.replace('"', "&quot;");
        assert!(dom.contains(op) || dom.contains(&escaped), "{op} missing");
    }
    // The screenshot: not blank, and the stuck operation's red bar is drawn.
    let shot = temp("stale-read.png");
    let _ = std::fs::remove_file(&shot);
    let out = headless(
        browser,
        &profile,
        &[
            "--window-size=1200,900",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let inked = pixels.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    assert!(
        inked * 50 > pixels.len(),
        "the screenshot is nearly blank: {inked} of {} pixels",
        pixels.len()
    );
    let stuck_red = pixels
        .iter()
        .filter(|p| p[..3] == [0xff, 0xc9, 0xc9])
        .count();
    assert!(
        stuck_red > 1000,
        "the stuck bar is not drawn: {stuck_red} pixels"
    );
}
