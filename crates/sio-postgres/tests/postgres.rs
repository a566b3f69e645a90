//! Two sio servers in this process, clustered through the PostgreSQL at `SIO_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`): reconnection of both connections, the attachments table
//! and its cleanup, and notifications that are not cluster messages. Each test uses channels and a
//! table of its own.

use sio_postgres::tokio_postgres::{self, NoTls};
use sio_postgres::{postgres_adapter, ErrorHandler, PostgresAdapterOptions};
use sio_protocol::Value;
use sio_server::{Namespace, Server, ServerConfig};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn database_url() -> String {
    std::env::var("SIO_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn tag(name: &str) -> String {
    format!("sio_{name}_{:08x}", rand::random::<u32>())
}

/// A plain connection for the checks.
async fn sql() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&database_url(), NoTls)
        .await
        .expect("postgres reachable");
    tokio::spawn(connection);
    client
}

/// The errors an adapter reported.
#[derive(Clone, Default)]
struct Errors(Arc<Mutex<Vec<String>>>);

impl Errors {
    fn handler(&self) -> ErrorHandler {
        let errors = self.0.clone();
        ErrorHandler::new(move |e| errors.lock().unwrap().push(e.to_string()))
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A server on the cluster `prefix` (connections named `app` in `pg_stat_activity`), answering the
/// server-side event `ping` with `["pong", <its args>]`.
fn server(prefix: &str, table: &str, app: &str, errors: &Errors) -> (Server, Namespace) {
    let mut config: tokio_postgres::Config = database_url().parse().expect("url");
    config.application_name(app);
    let options = PostgresAdapterOptions {
        channel_prefix: prefix.to_owned(),
        table_name: table.to_owned(),
        cleanup_interval: Duration::from_millis(500),
        error_handler: errors.handler(),
        ..Default::default()
    };
    let factory = postgres_adapter(config, options).expect("adapter");
    let io = Server::new(ServerConfig::default().adapter(Arc::new(factory)));
    let nsp = io.of("/");
    nsp.on_server_event("ping", |args, ack| async move {
        if let Some(ack) = ack {
            ack(Value::Array(vec![Value::from("pong"), Value::Array(args)]));
        }
    });
    (io, nsp)
}

async fn eventually<F: Future<Output = bool>>(
    limit: Duration,
    mut check: impl FnMut() -> F,
) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn server_count(nsp: &Namespace) -> usize {
    nsp.adapter().server_count().await.unwrap_or(0)
}

/// Whether `from` gets `to`'s answer to a ping with `args`.
async fn pinged(from: &Namespace, args: Value) -> Option<Value> {
    let answers = from
        .server_side_emit_with_ack("ping", &args, Duration::from_millis(1000))
        .await
        .ok()?;
    answers.into_iter().next()
}

async fn two_servers(
    prefix: &str,
    table: &str,
    app: &str,
    errors: &Errors,
) -> [(Server, Namespace); 2] {
    let a = server(prefix, table, app, errors);
    let b = server(prefix, table, app, errors);
    let met = eventually(Duration::from_secs(10), || async {
        server_count(&a.1).await == 2 && server_count(&b.1).await == 2
    })
    .await;
    assert!(met, "the servers found each other: {:?}", errors.all());
    [a, b]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_connections_come_back_after_being_killed() {
    let (prefix, app) = (tag("kill"), tag("app"));
    let errors = Errors::default();
    let [(_a, a), (_b, _)] = two_servers(&prefix, "socket_io_attachments", &app, &errors).await;
    assert!(pinged(&a, Value::from(1)).await.is_some());

    let db = sql().await;
    let killed = db
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .await
        .expect("terminate");
    assert_eq!(killed.len(), 4, "two connections per server");

    // The listening connections come back within 1 to 3 s and listen again; the sending one reconnects
    // on the next message.
    let back = eventually(Duration::from_secs(10), || async {
        pinged(&a, Value::from(2)).await
            == Some(Value::Array(vec![
                Value::from("pong"),
                Value::Array(vec![Value::from(2)]),
            ]))
    })
    .await;
    assert!(back, "no answer after the reconnection: {:?}", errors.all());
    assert!(
        !errors.all().is_empty(),
        "the lost connections were reported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_go_through_the_table_which_is_cleaned_up() {
    let (prefix, table) = (tag("attach"), tag("attachments"));
    let errors = Errors::default();
    let [(_a, a), (_b, _)] = two_servers(&prefix, &table, &tag("app"), &errors).await;
    let db = sql().await;
    let columns: Vec<(String, String)> = db
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .expect("columns")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected = [
        ("id", "bigint"),
        ("created_at", "timestamp with time zone"),
        ("payload", "bytea"),
    ]
    .map(|(c, t)| (c.to_owned(), t.to_owned()));
    assert_eq!(
        columns, expected,
        "the table as the official README creates it"
    );

    // The request (binary) and the answer (which echoes it) both go through the table, as does a payload
    // too large for a NOTIFY.
    let binary = Value::Binary(vec![0, 1, 2, 255].into());
    let large = Value::from("y".repeat(9000));
    for arg in [binary, large] {
        let answer = pinged(&a, arg.clone()).await;
        let expected = Value::Array(vec![Value::from("pong"), Value::Array(vec![arg])]);
        assert_eq!(answer, Some(expected), "{:?}", errors.all());
    }
    let count_query = format!("SELECT count(*) FROM {table}");
    let count = || async {
        db.query_one(&count_query, &[])
            .await
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(-1)
    };
    assert!(count().await >= 1, "rows in the table");
    let cleaned = eventually(Duration::from_secs(5), || async { count().await == 0 }).await;
    assert!(cleaned, "old rows are deleted");
    assert!(errors.all().is_empty(), "{:?}", errors.all());
    db.batch_execute(&format!("DROP TABLE {table}"))
        .await
        .expect("drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_that_are_not_messages_are_reported_and_skipped() {
    let prefix = tag("bad");
    let errors = Errors::default();
    let [(_a, a), (_b, _)] =
        two_servers(&prefix, "socket_io_attachments", &tag("app"), &errors).await;
    let db = sql().await;
    let channel = format!("{prefix}#/");
    for payload in [
        "not json",
        r#"{"uid":"someone","type":3,"attachmentId":"-1"}"#,
        r#"{"uid":"someone","type":42}"#,
    ] {
        db.execute("SELECT pg_notify($1, $2)", &[&channel, &payload])
            .await
            .expect("notify");
    }
    assert!(pinged(&a, Value::from(3)).await.is_some(), "still working");
    // Two servers, three bad notifications each.
    let reported = eventually(Duration::from_secs(2), || async { errors.all().len() >= 6 }).await;
    assert!(reported, "{:?}", errors.all());
}

#[tokio::test]
async fn bad_settings_are_errors() {
    let bad_table = PostgresAdapterOptions {
        table_name: "t; DROP TABLE x".into(),
        ..Default::default()
    };
    assert!(postgres_adapter(database_url(), bad_table).is_err());
    assert!(postgres_adapter("postgres://[::1", PostgresAdapterOptions::default()).is_err());
}

#[test]
fn outside_a_runtime_is_an_error() {
    assert!(postgres_adapter(database_url(), PostgresAdapterOptions::default()).is_err());
}
