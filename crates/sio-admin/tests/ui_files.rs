//! `AdminUi`: the dashboard's files of the installed npm package, under a prefix, nothing outside it.

mod common;

use http_body_util::BodyExt;
use sio_admin::AdminUi;

fn ui() -> AdminUi {
    AdminUi::from_node_modules(common::js_dir().join("node_modules"), "/admin-ui")
}

async fn body(response: http::Response<http_body_util::Full<bytes::Bytes>>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn the_index_and_its_files_are_served_under_the_prefix() {
    let ui = ui();
    let index = ui.serve("/admin-ui/").await.expect("under the prefix");
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    let html = body(index).await;
    assert!(html.contains("Socket.IO Admin UI"), "{html}");
    // Every script the page names is there, as JavaScript.
    for script in html.split("src=\"").skip(1) {
        let path = script.split('"').next().unwrap();
        let file = ui.serve(&format!("/admin-ui/{path}")).await.unwrap();
        assert_eq!(file.status(), 200, "{path}");
        assert_eq!(
            file.headers()["content-type"],
            "application/javascript; charset=utf-8"
        );
    }
    let bare = ui.serve("/admin-ui?x=1").await.unwrap();
    assert_eq!(bare.status(), 301);
    assert_eq!(bare.headers()["location"], "/admin-ui/");
}

#[tokio::test]
async fn nothing_outside_the_prefix_or_the_directory() {
    let ui = ui();
    assert!(ui.serve("/socket.io/").await.is_none());
    assert!(ui.serve("/admin-uix/index.html").await.is_none());
    let missing = ui.serve("/admin-ui/nope.js").await.unwrap();
    assert_eq!(missing.status(), 404);
    for climb in [
        "/admin-ui/../package.json",
        "/admin-ui/js/../../../package.json",
        "/admin-ui//etc/passwd",
    ] {
        let answer = ui.serve(climb).await.unwrap();
        assert_eq!(answer.status(), 400, "{climb}");
    }
}
