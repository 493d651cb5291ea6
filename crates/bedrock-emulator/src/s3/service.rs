//! The S3 operations the emulator serves, as an `s3s` service over the [`ObjectStore`]: buckets,
//! objects (whole and by range), listings (v1 and v2), batch deletes and multipart uploads.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt as _;
use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, Bucket, CommonPrefix,
    CompleteMultipartUploadInput, CompleteMultipartUploadOutput, CreateBucketInput,
    CreateBucketOutput, CreateMultipartUploadInput, CreateMultipartUploadOutput, DeleteBucketInput,
    DeleteBucketOutput, DeleteObjectInput, DeleteObjectOutput, DeleteObjectsInput,
    DeleteObjectsOutput, DeletedObject, ETag, GetBucketLocationInput, GetBucketLocationOutput,
    GetObjectInput, GetObjectOutput, HeadBucketInput, HeadBucketOutput, HeadObjectInput,
    HeadObjectOutput, ListBucketsInput, ListBucketsOutput, ListObjectsInput, ListObjectsOutput,
    ListObjectsV2Input, ListObjectsV2Output, Object, PutObjectInput, PutObjectOutput,
    StreamingBlob, Timestamp, UploadPartInput, UploadPartOutput,
};
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::store::{Listing, ObjectMeta, ObjectReader, ObjectStore, StoreError};

/// The most keys a listing page holds, as on S3.
const MAX_KEYS: usize = 1000;

/// The emulator's S3 operations over a store.
#[derive(Debug, Clone)]
pub(crate) struct StoreService {
    pub store: Arc<ObjectStore>,
}

fn s3_error(err: StoreError) -> S3Error {
    let code = match &err {
        StoreError::NoSuchBucket => S3ErrorCode::NoSuchBucket,
        StoreError::NoSuchKey => S3ErrorCode::NoSuchKey,
        StoreError::NoSuchUpload => S3ErrorCode::NoSuchUpload,
        StoreError::BucketExists => S3ErrorCode::BucketAlreadyOwnedByYou,
        StoreError::BucketNotEmpty => S3ErrorCode::BucketNotEmpty,
        StoreError::Limit(_) => S3ErrorCode::ServiceUnavailable,
        StoreError::InvalidPart(_) => S3ErrorCode::InvalidPart,
        StoreError::Io(_) => S3ErrorCode::InternalError,
    };
    S3Error::with_message(code, err.to_string())
}

fn etag(meta: &ObjectMeta) -> ETag {
    ETag::Strong(meta.etag.clone())
}

/// Reads a request body into a new body of the store, failing past its declared length.
async fn write_body(
    store: &Arc<ObjectStore>,
    body: Option<StreamingBlob>,
) -> S3Result<super::store::ObjectWriter> {
    let mut writer = store.writer().await.map_err(s3_error)?;
    if let Some(mut body) = body {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                S3Error::with_message(
                    S3ErrorCode::IncompleteBody,
                    format!("The request body could not be read: {e}"),
                )
            })?;
            writer.write(&chunk).await.map_err(s3_error)?;
        }
    }
    Ok(writer)
}

fn body_stream(reader: ObjectReader) -> StreamingBlob {
    let chunks = futures::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok::<Bytes, StoreError>(chunk), Some(reader))),
            Ok(None) => None,
            Err(err) => Some((Err(err), None)),
        }
    });
    StreamingBlob::wrap(sync_stream(chunks))
}

/// `s3s` wants a `Sync` stream; a stream used from one task at a time can be wrapped so.
fn sync_stream<S: futures::Stream + Send>(stream: S) -> SyncStream<S> {
    SyncStream(std::sync::Mutex::new(Box::pin(stream)))
}

struct SyncStream<S>(std::sync::Mutex<std::pin::Pin<Box<S>>>);

impl<S: futures::Stream> futures::Stream for SyncStream<S> {
    type Item = S::Item;
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.0
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
            .poll_next(cx)
    }
}

fn timestamp(t: std::time::SystemTime) -> Timestamp {
    Timestamp::from(t)
}

fn object(key: String, meta: &ObjectMeta) -> Object {
    Object {
        key: Some(key),
        size: i64::try_from(meta.size).ok(),
        e_tag: Some(etag(meta)),
        last_modified: Some(timestamp(meta.last_modified)),
        storage_class: Some(s3s::dto::ObjectStorageClass::from_static(
            s3s::dto::ObjectStorageClass::STANDARD,
        )),
        ..Object::default()
    }
}

/// A store page as both listings answer it: `Contents`, `CommonPrefixes` and the marker of
/// the next page.
fn entries(page: Listing) -> (Vec<Object>, Vec<CommonPrefix>, Option<String>) {
    let contents = page
        .objects
        .into_iter()
        .map(|(k, m)| object(k, &m))
        .collect();
    let prefixes = page
        .common_prefixes
        .into_iter()
        .map(|p| CommonPrefix { prefix: Some(p) })
        .collect();
    (contents, prefixes, page.next_marker)
}

fn max_keys(requested: Option<i32>) -> usize {
    requested
        .and_then(|n| usize::try_from(n).ok())
        .map_or(MAX_KEYS, |n| n.min(MAX_KEYS))
}

fn content_length(size: u64) -> Option<i64> {
    i64::try_from(size).ok()
}

#[async_trait::async_trait]
impl S3 for StoreService {
    async fn list_buckets(
        &self,
        _req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let buckets = self
            .store
            .buckets()
            .into_iter()
            .map(|(name, created)| Bucket {
                name: Some(name),
                creation_date: Some(timestamp(created)),
                ..Bucket::default()
            })
            .collect();
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            ..ListBucketsOutput::default()
        }))
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.store
            .create_bucket(&req.input.bucket)
            .map_err(s3_error)?;
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", req.input.bucket)),
        }))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.store
            .delete_bucket(&req.input.bucket)
            .map_err(s3_error)?;
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        if !self.store.has_bucket(&req.input.bucket) {
            return Err(s3_error(StoreError::NoSuchBucket));
        }
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        if !self.store.has_bucket(&req.input.bucket) {
            return Err(s3_error(StoreError::NoSuchBucket));
        }
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let input = req.input;
        if !self.store.has_bucket(&input.bucket) {
            return Err(s3_error(StoreError::NoSuchBucket));
        }
        let writer = write_body(&self.store, input.body).await?;
        let meta = writer
            .commit(&input.bucket, &input.key, input.content_type)
            .await
            .map_err(s3_error)?;
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(etag(&meta)),
            size: content_length(meta.size),
            ..PutObjectOutput::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        let meta = self
            .store
            .head(&input.bucket, &input.key)
            .map_err(s3_error)?;
        let range = match &input.range {
            Some(range) => Some(range.check(meta.size).map_err(|_| {
                S3Error::with_message(
                    S3ErrorCode::InvalidRange,
                    "The requested range is not satisfiable",
                )
            })?),
            None => None,
        };
        let (meta, reader) = self
            .store
            .open(&input.bucket, &input.key, range.clone())
            .await
            .map_err(s3_error)?;
        let (length, content_range) = match &range {
            Some(r) => (
                r.end - r.start,
                Some(format!(
                    "bytes {}-{}/{}",
                    r.start,
                    r.end.saturating_sub(1),
                    meta.size
                )),
            ),
            None => (meta.size, None),
        };
        Ok(S3Response::new(GetObjectOutput {
            body: Some(body_stream(reader)),
            content_length: content_length(length),
            content_range,
            content_type: meta.content_type.clone(),
            e_tag: Some(etag(&meta)),
            last_modified: Some(timestamp(meta.last_modified)),
            accept_ranges: Some("bytes".to_owned()),
            ..GetObjectOutput::default()
        }))
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let meta = self
            .store
            .head(&req.input.bucket, &req.input.key)
            .map_err(s3_error)?;
        Ok(S3Response::new(HeadObjectOutput {
            content_length: content_length(meta.size),
            content_type: meta.content_type.clone(),
            e_tag: Some(etag(&meta)),
            last_modified: Some(timestamp(meta.last_modified)),
            accept_ranges: Some("bytes".to_owned()),
            ..HeadObjectOutput::default()
        }))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.store
            .delete(&req.input.bucket, &req.input.key)
            .map_err(s3_error)?;
        Ok(S3Response::with_status(
            DeleteObjectOutput::default(),
            http::StatusCode::NO_CONTENT,
        ))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let input = req.input;
        let mut deleted = Vec::with_capacity(input.delete.objects.len());
        for id in input.delete.objects {
            self.store
                .delete(&input.bucket, &id.key)
                .map_err(s3_error)?;
            deleted.push(DeletedObject {
                key: Some(id.key),
                ..DeletedObject::default()
            });
        }
        let quiet = input.delete.quiet.unwrap_or(false);
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: (!quiet).then_some(deleted),
            ..DeleteObjectsOutput::default()
        }))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        let after = input
            .continuation_token
            .as_deref()
            .or(input.start_after.as_deref());
        let max = max_keys(input.max_keys);
        let page = self
            .store
            .list(
                &input.bucket,
                &prefix,
                input.delimiter.as_deref(),
                after,
                max,
            )
            .map_err(s3_error)?;
        let key_count = page.objects.len() + page.common_prefixes.len();
        let (contents, common_prefixes, next) = entries(page);
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: input.prefix,
            delimiter: input.delimiter,
            max_keys: i32::try_from(max).ok(),
            key_count: i32::try_from(key_count).ok(),
            is_truncated: Some(next.is_some()),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            start_after: input.start_after,
            contents: Some(contents),
            common_prefixes: Some(common_prefixes),
            ..ListObjectsV2Output::default()
        }))
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = max_keys(input.max_keys);
        let page = self
            .store
            .list(
                &input.bucket,
                &prefix,
                input.delimiter.as_deref(),
                input.marker.as_deref(),
                max,
            )
            .map_err(s3_error)?;
        let (contents, common_prefixes, next) = entries(page);
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket),
            prefix: input.prefix,
            delimiter: input.delimiter,
            marker: input.marker,
            max_keys: i32::try_from(max).ok(),
            is_truncated: Some(next.is_some()),
            next_marker: next,
            contents: Some(contents),
            common_prefixes: Some(common_prefixes),
            ..ListObjectsOutput::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let input = req.input;
        let upload_id = self
            .store
            .create_upload(&input.bucket, &input.key, input.content_type)
            .map_err(s3_error)?;
        Ok(S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(upload_id),
            ..CreateMultipartUploadOutput::default()
        }))
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let input = req.input;
        if !(1..=10_000).contains(&input.part_number) {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                format!(
                    "Part number must be an integer between 1 and 10000, inclusive (got {})",
                    input.part_number
                ),
            ));
        }
        let writer = write_body(&self.store, input.body).await?;
        let meta = writer.finish(None).await.map_err(s3_error)?;
        let tag = etag(&meta);
        self.store
            .put_part(
                &input.bucket,
                &input.key,
                &input.upload_id,
                input.part_number,
                meta,
            )
            .map_err(s3_error)?;
        Ok(S3Response::new(UploadPartOutput {
            e_tag: Some(tag),
            ..UploadPartOutput::default()
        }))
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = req.input;
        let listed: Vec<(i32, String)> = input
            .multipart_upload
            .and_then(|m| m.parts)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let tag = match p.e_tag {
                    Some(ETag::Strong(t) | ETag::Weak(t)) => t,
                    None => String::new(),
                };
                (p.part_number.unwrap_or(0), tag)
            })
            .collect();
        let meta = self
            .store
            .complete_upload(&input.bucket, &input.key, &input.upload_id, &listed)
            .await
            .map_err(s3_error)?;
        Ok(S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(input.bucket.clone()),
            key: Some(input.key.clone()),
            location: Some(format!("/{}/{}", input.bucket, input.key)),
            e_tag: Some(etag(&meta)),
            ..CompleteMultipartUploadOutput::default()
        }))
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = req.input;
        self.store
            .abort_upload(&input.bucket, &input.key, &input.upload_id)
            .map_err(s3_error)?;
        Ok(S3Response::with_status(
            AbortMultipartUploadOutput::default(),
            http::StatusCode::NO_CONTENT,
        ))
    }
}
