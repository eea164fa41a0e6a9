//! The listener's response body: bytes in memory (every JSON answer, small files), or a file read
//! from disk chunk by chunk as the client takes it (downloads).

use std::fs::File;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::sync::mpsc;

/// Bytes read from disk per chunk of a streamed file.
const CHUNK_BYTES: usize = 256 * 1024;

#[derive(Debug)]
pub enum Body {
    /// The whole body (taken when sent).
    Full(Option<Bytes>),
    /// `len` bytes of a file, arriving from a reader task.
    File { rx: mpsc::Receiver<io::Result<Bytes>>, len: u64 },
}

impl Body {
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Body::Full(Some(bytes.into()))
    }

    pub fn empty() -> Self {
        Body::Full(None)
    }

    /// `len` bytes of `file` from `start`. Each chunk is read on the blocking pool once the one
    /// before it was handed to hyper, so a slow client holds one chunk, not the file; the reader
    /// stops (and the file closes) when the client goes away. A file that ends early fails the
    /// body, which ends the connection: the client sees a short answer, never wrong bytes.
    pub fn file(file: File, start: u64, len: u64) -> Self {
        let (tx, rx) = mpsc::channel(1);
        let file = std::sync::Arc::new(file);
        tokio::spawn(async move {
            let mut pos = start;
            let end = start + len;
            while pos < end {
                let want = (end - pos).min(CHUNK_BYTES as u64) as usize;
                let f = file.clone();
                let read = tokio::task::spawn_blocking(move || read_chunk(&f, pos, want)).await.unwrap_or_else(|e| Err(io::Error::other(e)));
                let failed = read.is_err();
                if let Ok(chunk) = &read {
                    pos += chunk.len() as u64;
                }
                if tx.send(read).await.is_err() || failed {
                    return;
                }
            }
        });
        Body::File { rx, len }
    }
}

/// Exactly `want` bytes at `pos` (without moving a shared cursor); an error if the file ends first.
pub fn read_chunk(file: &File, pos: u64, want: usize) -> io::Result<Bytes> {
    #[cfg(unix)]
    use std::os::unix::fs::FileExt;
    #[cfg(windows)]
    use std::os::windows::fs::FileExt;
    let mut buf = vec![0u8; want];
    let mut off = 0;
    while off < want {
        #[cfg(unix)]
        let n = file.read_at(&mut buf[off..], pos + off as u64)?;
        #[cfg(windows)]
        let n = file.seek_read(&mut buf[off..], pos + off as u64)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file became shorter while it was sent"));
        }
        off += n;
    }
    Ok(Bytes::from(buf))
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Full(bytes) => Poll::Ready(bytes.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            Body::File { rx, .. } => rx.poll_recv(cx).map(|chunk| chunk.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(bytes) => bytes.as_ref().is_none_or(|b| b.is_empty()),
            Body::File { len, .. } => *len == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Body::File { len, .. } => SizeHint::with_exact(*len),
        }
    }
}
