//! The response body as the recorder passes it on: every frame goes
//! through unchanged and at once, while its first bytes are noted.
//!
//! Nothing is buffered beyond the [`MAX_PARSED_BODY`](crate::recording::MAX_PARSED_BODY)
//! bytes a record takes its facts from, so a huge body streams through in
//! bounded memory and a body
//! that stalls stalls for the client only: the call is kept when the body
//! ends, or when it is dropped (client gone, server stopped) with what was
//! seen by then. The size hint is the inner body's, so a `Content-Length`
//! answer stays one.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};

use super::record::CallInProgress;

/// A body that notes what passes through it into its call.
#[derive(Debug)]
pub(crate) struct RecordingBody {
    inner: Body,
    /// `None` for a call past the recording's cap.
    call: Option<CallInProgress>,
}

impl RecordingBody {
    /// Taps `inner` for `call`; an empty body ends the call at once, since
    /// the server may never poll it.
    pub(crate) fn new(inner: Body, mut call: CallInProgress) -> Self {
        if http_body::Body::is_end_stream(&inner) {
            call.finish(true);
        }
        Self {
            inner,
            call: Some(call),
        }
    }

    /// Passes `inner` on without noting anything (a call not kept).
    pub(crate) fn untapped(inner: Body) -> Self {
        Self { inner, call: None }
    }

    /// Notes that the client hung up before the answer reached it.
    pub(crate) fn client_gone(&mut self) {
        if let Some(call) = self.call.as_mut() {
            call.client_gone();
        }
    }
}

impl http_body::Body for RecordingBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let Some(call) = this.call.as_mut() else {
            return polled;
        };
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    call.tap(data);
                }
                // The server stops polling a body that says it has ended.
                if this.inner.is_end_stream() {
                    call.finish(true);
                }
            }
            Poll::Ready(None) => call.finish(true),
            Poll::Ready(Some(Err(_))) => call.finish(false),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
