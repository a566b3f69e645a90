//! `EngineLayer`: the engine in front of another service, taking only the requests under its path.

use super::{Engine, EngineBody, EngineHandler};
use http::{Request, Response};
use http_body::Body;
use http_body_util::Either;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A tower `Layer` mounting the engine: requests under `path` go to the engine, others to the inner service.
///
/// ```no_run
/// # use sio_server::engine::*;
/// # use sio_protocol::engine::Packet;
/// # struct H;
/// # impl EngineHandler for H {
/// #   type Session = ();
/// #   fn on_open(&self, _: &EngineSocket) {}
/// #   fn on_message(&self, _: &EngineSocket, _: &mut (), _: Packet) {}
/// #   fn on_close(&self, _: &EngineSocket, _: (), _: CloseReason) {}
/// # }
/// let engine = Engine::new(EngineConfig::default(), H);
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "hello" }))
///     .layer(EngineLayer::new(engine));
/// ```
pub struct EngineLayer<H: EngineHandler> {
    engine: Arc<Engine<H>>,
}

impl<H: EngineHandler> EngineLayer<H> {
    /// A layer mounting `engine`.
    pub fn new(engine: Arc<Engine<H>>) -> Self {
        EngineLayer { engine }
    }
}

impl<H: EngineHandler> Clone for EngineLayer<H> {
    fn clone(&self) -> Self {
        EngineLayer {
            engine: self.engine.clone(),
        }
    }
}

impl<H: EngineHandler, S> tower_layer::Layer<S> for EngineLayer<H> {
    type Service = EngineMiddleware<H, S>;

    fn layer(&self, inner: S) -> Self::Service {
        EngineMiddleware {
            engine: self.engine.clone(),
            inner,
        }
    }
}

/// The service [`EngineLayer`] builds.
pub struct EngineMiddleware<H: EngineHandler, S> {
    engine: Arc<Engine<H>>,
    inner: S,
}

impl<H: EngineHandler, S: Clone> Clone for EngineMiddleware<H, S> {
    fn clone(&self) -> Self {
        EngineMiddleware {
            engine: self.engine.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<H, S, B, ResBody> tower_service::Service<Request<B>> for EngineMiddleware<H, S>
where
    H: EngineHandler,
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
{
    type Response = Response<Either<EngineBody, ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if self.engine.matches(req.uri().path()) {
            let response = self.engine.handle(req);
            Box::pin(async move { Ok(response.await.map(Either::Left)) })
        } else {
            let fut = self.inner.call(req);
            Box::pin(async move { Ok(fut.await?.map(Either::Right)) })
        }
    }
}
