//! `EngineService`: the engine as a tower `Service` (axum route, hyper via a tower adapter).

use super::{Engine, EngineBody, EngineHandler};
use http::{Request, Response};
use http_body::Body;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A tower `Service` serving every request with [`Engine::handle`] (404 outside `path`).
pub struct EngineService<H: EngineHandler> {
    engine: Arc<Engine<H>>,
}

impl<H: EngineHandler> EngineService<H> {
    /// A service over `engine`.
    pub fn new(engine: Arc<Engine<H>>) -> Self {
        EngineService { engine }
    }

    /// The engine served.
    pub fn engine(&self) -> &Arc<Engine<H>> {
        &self.engine
    }
}

impl<H: EngineHandler> Clone for EngineService<H> {
    fn clone(&self) -> Self {
        EngineService {
            engine: self.engine.clone(),
        }
    }
}

impl<H, B> tower_service::Service<Request<B>> for EngineService<H>
where
    H: EngineHandler,
    B: Body + Send + 'static,
    B::Data: Send,
{
    type Response = Response<EngineBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // Called now, not when first polled: a poll is tied to its session even if never polled.
        let response = self.engine.handle(req);
        Box::pin(async move { Ok(response.await) })
    }
}
