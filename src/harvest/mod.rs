//! Harvesting remote catalogues into odcat: the guarded HTTP fetching of a source's pages
//! ([`fetch`]), the page-by-page crawl of a DCAT-AP catalogue ([`dcat`]), the pages of CKAN and
//! DKAN APIs and DCAT-US `data.json` ([`pager`]), the mappings of CKAN's package dicts ([`ckan`],
//! which the CKAN API's writes use as well) and of DCAT-US ([`dcat_us`]), and the job that writes a
//! source's datasets and withdraws what vanished from it ([`run`]). Sources, jobs and the
//! harvested datasets' identities are kept by the catalogue (`catalog::harvest`).

pub mod ckan;
pub mod dcat;
pub mod dcat_us;
pub mod fetch;
pub mod normalise;
pub mod pager;
pub mod run;

/// A scripted HTTP server for the fetching and crawling tests.
#[cfg(test)]
pub(crate) mod test_server {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use url::Url;

    /// A one-route HTTP server on loopback: `answer(n)` gives the raw response to the n-th request
    /// (from 0); `None` stalls without answering.
    pub async fn serve(
        answer: impl Fn(usize) -> Option<String> + Send + Sync + 'static,
    ) -> (Url, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    match answer(n) {
                        Some(response) => {
                            let _ = socket.write_all(response.as_bytes()).await;
                            let _ = socket.shutdown().await;
                        }
                        None => tokio::time::sleep(Duration::from_secs(30)).await,
                    }
                });
            }
        });
        (
            Url::parse(&format!("http://{address}/page")).unwrap(),
            count,
        )
    }

    /// A whole response with a body.
    pub fn answer(status: &str, content_type: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    }
}
