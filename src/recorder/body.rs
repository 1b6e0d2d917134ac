//! The response body as the recorder passes it on: every frame goes
//! through unchanged and at once, while its first bytes are noted.
//!
//! Nothing is buffered beyond the record's [`MAX_BODY`](crate::recording::MAX_BODY)
//! bytes, so a huge body streams through in constant memory and a body
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
    call: CallInProgress,
}

impl RecordingBody {
    /// Taps `inner` for `call`; an empty body ends the call at once, since
    /// the server may never poll it.
    pub(crate) fn new(inner: Body, mut call: CallInProgress) -> Self {
        if http_body::Body::is_end_stream(&inner) {
            call.finish(true);
        }
        Self { inner, call }
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
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.call.tap(data);
                }
                // The server stops polling a body that says it has ended.
                if this.inner.is_end_stream() {
                    this.call.finish(true);
                }
            }
            Poll::Ready(None) => this.call.finish(true),
            Poll::Ready(Some(Err(_))) => this.call.finish(false),
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
