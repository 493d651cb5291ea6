//! The object store behind the S3 endpoint and the batch engine: buckets and objects indexed in
//! memory, bodies in memory or in files of a directory, within configured limits.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use md5::{Digest as _, Md5};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How many bytes a file-backed object is read in at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Why a store operation failed; the S3 layer maps each to S3's error code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// No such bucket.
    #[error("The specified bucket does not exist")]
    NoSuchBucket,
    /// No such key.
    #[error("The specified key does not exist.")]
    NoSuchKey,
    /// No such multipart upload.
    #[error(
        "The specified upload does not exist. The upload ID may be invalid, or the upload may \
         have been aborted or completed."
    )]
    NoSuchUpload,
    /// The bucket exists already.
    #[error("Your previous request to create the named bucket succeeded and you already own it.")]
    BucketExists,
    /// The bucket still holds objects.
    #[error("The bucket you tried to delete is not empty")]
    BucketNotEmpty,
    /// A configured limit was reached; the message names it.
    #[error("{0}")]
    Limit(String),
    /// A part list that does not match the uploaded parts.
    #[error("{0}")]
    InvalidPart(String),
    /// The directory could not be read or written.
    #[error("the emulator's S3 directory failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Limits of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoreLimits {
    /// Bytes of object bodies kept in memory at once (memory storage, and uploads in progress).
    pub max_memory_bytes: u64,
    /// Objects (and parts of uploads in progress) indexed at once.
    pub max_objects: usize,
}

/// Where a body is.
#[derive(Debug, Clone)]
enum StoredBody {
    Memory(Bytes),
    File(Arc<FileBody>),
}

/// A file holding one body; removed when the last reference (index entry or open reader) goes.
#[derive(Debug)]
pub(crate) struct FileBody {
    path: PathBuf,
}

impl Drop for FileBody {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One stored object (or part of a multipart upload).
#[derive(Debug, Clone)]
pub(crate) struct ObjectMeta {
    /// Its size in bytes.
    pub size: u64,
    /// Its ETag, without quotes.
    pub etag: String,
    /// When it was written.
    pub last_modified: SystemTime,
    /// Its media type, as given when it was written.
    pub content_type: Option<String>,
    body: StoredBody,
}

#[derive(Debug)]
struct BucketState {
    created: SystemTime,
    objects: BTreeMap<String, ObjectMeta>,
}

#[derive(Debug)]
struct Upload {
    bucket: String,
    key: String,
    content_type: Option<String>,
    parts: BTreeMap<i32, ObjectMeta>,
}

#[derive(Debug, Default)]
struct State {
    buckets: BTreeMap<String, BucketState>,
    uploads: HashMap<String, Upload>,
    /// Index entries: objects plus parts.
    entries: usize,
}

/// Buckets and objects. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub(crate) struct ObjectStore {
    state: Mutex<State>,
    /// Where bodies go; `None` keeps them in memory.
    dir: Option<PathBuf>,
    limits: StoreLimits,
    memory_bytes: AtomicU64,
    next_id: AtomicU64,
}

/// One page of a listing.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Objects, in key order.
    pub objects: Vec<(String, ObjectMeta)>,
    /// Common prefixes (with a delimiter), in order.
    pub common_prefixes: Vec<String>,
    /// The last key or prefix returned, when more follow.
    pub next_marker: Option<String>,
}

impl ObjectStore {
    /// A store keeping bodies in `dir` (created if missing), or in memory.
    pub(crate) fn new(dir: Option<&Path>, limits: StoreLimits) -> Result<Self, StoreError> {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
        }
        Ok(ObjectStore {
            state: Mutex::new(State::default()),
            dir: dir.map(Path::to_path_buf),
            limits,
            memory_bytes: AtomicU64::new(0),
            next_id: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates a bucket.
    pub(crate) fn create_bucket(&self, name: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.buckets.contains_key(name) {
            return Err(StoreError::BucketExists);
        }
        state.buckets.insert(
            name.to_owned(),
            BucketState {
                created: SystemTime::now(),
                objects: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// Deletes an empty bucket.
    pub(crate) fn delete_bucket(&self, name: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        let bucket = state.buckets.get(name).ok_or(StoreError::NoSuchBucket)?;
        if !bucket.objects.is_empty() {
            return Err(StoreError::BucketNotEmpty);
        }
        state.buckets.remove(name);
        Ok(())
    }

    /// Whether a bucket exists.
    pub(crate) fn has_bucket(&self, name: &str) -> bool {
        self.lock().buckets.contains_key(name)
    }

    /// Every bucket with its creation time, by name.
    pub(crate) fn buckets(&self) -> Vec<(String, SystemTime)> {
        self.lock()
            .buckets
            .iter()
            .map(|(name, b)| (name.clone(), b.created))
            .collect()
    }

    /// A writer for a new body; nothing is visible until it is committed.
    pub(crate) async fn writer(self: &Arc<Self>) -> Result<ObjectWriter, StoreError> {
        let target = match &self.dir {
            None => WriterTarget::Memory(BytesMut::new()),
            Some(dir) => {
                let n = self.next_id.fetch_add(1, Ordering::Relaxed);
                let path = dir.join(format!("body-{n}"));
                let file = tokio::fs::File::create(&path).await?;
                WriterTarget::File {
                    file,
                    body: Arc::new(FileBody { path }),
                }
            }
        };
        Ok(ObjectWriter {
            store: Arc::clone(self),
            target,
            md5: Md5::new(),
            size: 0,
            reserved: 0,
        })
    }

    fn reserve(&self, n: u64) -> Result<(), StoreError> {
        let limit = self.limits.max_memory_bytes;
        self.memory_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= limit)
            })
            .map(|_| ())
            .map_err(|_| {
                StoreError::Limit(format!(
                    "The emulator's S3 store keeps at most {limit} bytes in memory \
                     (s3_max_memory_bytes); delete objects or set s3_dir to keep bodies on disk"
                ))
            })
    }

    fn release(&self, n: u64) {
        let _ = self
            .memory_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(n))
            });
    }

    fn release_body(&self, meta: &ObjectMeta) {
        if let StoredBody::Memory(bytes) = &meta.body {
            self.release(bytes.len() as u64);
        }
    }

    fn room_for_entry(&self, state: &State) -> Result<(), StoreError> {
        if state.entries >= self.limits.max_objects {
            return Err(StoreError::Limit(format!(
                "The emulator's S3 store holds at most {} objects and parts (s3_max_objects)",
                self.limits.max_objects
            )));
        }
        Ok(())
    }

    fn commit(&self, bucket: &str, key: &str, meta: ObjectMeta) -> Result<ObjectMeta, StoreError> {
        let mut state = self.lock();
        let replaced = {
            let State {
                buckets, entries, ..
            } = &mut *state;
            let bucket = buckets.get_mut(bucket).ok_or(StoreError::NoSuchBucket)?;
            let exists = bucket.objects.contains_key(key);
            if !exists && *entries >= self.limits.max_objects {
                return Err(StoreError::Limit(format!(
                    "The emulator's S3 store holds at most {} objects and parts (s3_max_objects)",
                    self.limits.max_objects
                )));
            }
            let old = bucket.objects.insert(key.to_owned(), meta.clone());
            if old.is_none() {
                *entries += 1;
            }
            old
        };
        drop(state);
        if let Some(old) = replaced {
            self.release_body(&old);
        }
        Ok(meta)
    }

    /// An object's metadata.
    pub(crate) fn head(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StoreError> {
        let state = self.lock();
        let bucket = state.buckets.get(bucket).ok_or(StoreError::NoSuchBucket)?;
        bucket
            .objects
            .get(key)
            .cloned()
            .ok_or(StoreError::NoSuchKey)
    }

    /// An object's metadata and a reader of `range` (start, end exclusive) of its body.
    pub(crate) async fn open(
        &self,
        bucket: &str,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<(ObjectMeta, ObjectReader), StoreError> {
        let meta = self.head(bucket, key)?;
        let range = range.unwrap_or(0..meta.size);
        let reader = match &meta.body {
            StoredBody::Memory(bytes) => {
                let start = usize::try_from(range.start).unwrap_or(usize::MAX);
                let end = usize::try_from(range.end).unwrap_or(usize::MAX);
                let slice = bytes.get(start..end).map(|_| bytes.slice(start..end));
                ObjectReader::Memory(slice.unwrap_or_default())
            }
            StoredBody::File(body) => {
                let mut file = tokio::fs::File::open(&body.path).await?;
                if range.start > 0 {
                    use tokio::io::AsyncSeekExt as _;
                    file.seek(std::io::SeekFrom::Start(range.start)).await?;
                }
                ObjectReader::File {
                    file,
                    remaining: range.end.saturating_sub(range.start),
                    _body: Arc::clone(body),
                }
            }
        };
        Ok((meta, reader))
    }

    /// Deletes an object; deleting a missing key succeeds, as on S3.
    pub(crate) fn delete(&self, bucket: &str, key: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        let State {
            buckets, entries, ..
        } = &mut *state;
        let bucket = buckets.get_mut(bucket).ok_or(StoreError::NoSuchBucket)?;
        let removed = bucket.objects.remove(key);
        if removed.is_some() {
            *entries = entries.saturating_sub(1);
        }
        drop(state);
        if let Some(old) = removed {
            self.release_body(&old);
        }
        Ok(())
    }

    /// A page of at most `max` keys and common prefixes under `prefix` that sort after `after`,
    /// grouped at `delimiter` when one is given.
    pub(crate) fn list(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        after: Option<&str>,
        max: usize,
    ) -> Result<Listing, StoreError> {
        let state = self.lock();
        let bucket = state.buckets.get(bucket).ok_or(StoreError::NoSuchBucket)?;
        let mut listing = Listing::default();
        let start = match after {
            Some(after) if after >= prefix => std::ops::Bound::Excluded(after.to_owned()),
            _ => std::ops::Bound::Included(prefix.to_owned()),
        };
        let mut count = 0usize;
        for (key, meta) in bucket.objects.range((start, std::ops::Bound::Unbounded)) {
            let Some(rest) = key.strip_prefix(prefix) else {
                break; // keys under the prefix are contiguous
            };
            let common = delimiter
                .filter(|d| !d.is_empty())
                .and_then(|d| rest.find(d).map(|i| (i, d.len())))
                .and_then(|(i, len)| key.get(..prefix.len() + i + len));
            if let Some(common) = common {
                if listing.common_prefixes.last().map(String::as_str) == Some(common) {
                    continue;
                }
                if after.is_some_and(|a| a.starts_with(common)) {
                    continue; // this prefix was returned on an earlier page
                }
                if count == max {
                    listing.next_marker = Some(last_marker(&listing));
                    break;
                }
                listing.common_prefixes.push(common.to_owned());
            } else {
                if count == max {
                    listing.next_marker = Some(last_marker(&listing));
                    break;
                }
                listing.objects.push((key.clone(), meta.clone()));
            }
            count += 1;
        }
        Ok(listing)
    }

    /// Starts a multipart upload and returns its id.
    pub(crate) fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<String>,
    ) -> Result<String, StoreError> {
        let mut state = self.lock();
        if !state.buckets.contains_key(bucket) {
            return Err(StoreError::NoSuchBucket);
        }
        self.room_for_entry(&state)?;
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("upload-{n:016x}");
        state.uploads.insert(
            id.clone(),
            Upload {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                content_type,
                parts: BTreeMap::new(),
            },
        );
        state.entries += 1;
        Ok(id)
    }

    fn check_upload(
        state: &State,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), StoreError> {
        match state.uploads.get(upload_id) {
            Some(u) if u.bucket == bucket && u.key == key => Ok(()),
            _ => Err(StoreError::NoSuchUpload),
        }
    }

    /// Keeps a part written with `writer`.
    pub(crate) fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: i32,
        meta: ObjectMeta,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        Self::check_upload(&state, bucket, key, upload_id)?;
        if !state
            .uploads
            .get(upload_id)
            .is_some_and(|u| u.parts.contains_key(&part_number))
        {
            self.room_for_entry(&state)?;
            state.entries += 1;
        }
        let old = state
            .uploads
            .get_mut(upload_id)
            .and_then(|u| u.parts.insert(part_number, meta));
        drop(state);
        if let Some(old) = old {
            self.release_body(&old);
        }
        Ok(())
    }

    /// Drops an upload and its parts.
    pub(crate) fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        Self::check_upload(&state, bucket, key, upload_id)?;
        let upload = state.uploads.remove(upload_id);
        if let Some(upload) = &upload {
            state.entries = state.entries.saturating_sub(1 + upload.parts.len());
        }
        drop(state);
        for part in upload.iter().flat_map(|u| u.parts.values()) {
            self.release_body(part);
        }
        Ok(())
    }

    /// Joins the listed parts (number and ETag, in ascending order) into the object.
    pub(crate) async fn complete_upload(
        self: &Arc<Self>,
        bucket: &str,
        key: &str,
        upload_id: &str,
        listed: &[(i32, String)],
    ) -> Result<ObjectMeta, StoreError> {
        let (parts, content_type) = {
            let state = self.lock();
            Self::check_upload(&state, bucket, key, upload_id)?;
            let upload = state
                .uploads
                .get(upload_id)
                .ok_or(StoreError::NoSuchUpload)?;
            if listed.is_empty() {
                return Err(StoreError::InvalidPart(
                    "You must specify at least one part".to_owned(),
                ));
            }
            let mut parts = Vec::with_capacity(listed.len());
            let mut previous = 0;
            for (number, etag) in listed {
                if *number <= previous {
                    return Err(StoreError::InvalidPart(
                        "The list of parts was not in ascending order. The parts list must be \
                         specified in order by part number."
                            .to_owned(),
                    ));
                }
                previous = *number;
                match upload.parts.get(number) {
                    Some(part) if part.etag == etag.trim_matches('"') => parts.push(part.clone()),
                    _ => {
                        return Err(StoreError::InvalidPart(format!(
                            "One or more of the specified parts could not be found. The part \
                             may not have been uploaded, or the specified entity tag may not \
                             match the part's entity tag. (part {number})"
                        )));
                    }
                }
            }
            (parts, upload.content_type.clone())
        };
        let mut writer = self.writer().await?;
        let mut digests = Md5::new();
        for part in &parts {
            if let Ok(raw) = hex_decode(&part.etag) {
                digests.update(raw);
            }
            let (_, mut reader) = self.open_meta(part).await?;
            while let Some(chunk) = reader.next_chunk().await? {
                writer.write(&chunk).await?;
            }
        }
        let etag = format!("{}-{}", hex(&digests.finalize()), parts.len());
        let meta = writer.finish_with_etag(content_type, Some(etag)).await?;
        let meta = self.commit(bucket, key, meta)?;
        self.abort_upload(bucket, key, upload_id)?;
        Ok(meta)
    }

    async fn open_meta(&self, meta: &ObjectMeta) -> Result<(ObjectMeta, ObjectReader), StoreError> {
        let reader = match &meta.body {
            StoredBody::Memory(bytes) => ObjectReader::Memory(bytes.clone()),
            StoredBody::File(body) => ObjectReader::File {
                file: tokio::fs::File::open(&body.path).await?,
                remaining: meta.size,
                _body: Arc::clone(body),
            },
        };
        Ok((meta.clone(), reader))
    }

    /// Writes `bytes` as an object in one go (the batch engine's small outputs).
    pub(crate) async fn put_bytes(
        self: &Arc<Self>,
        bucket: &str,
        key: &str,
        bytes: &[u8],
        content_type: Option<String>,
    ) -> Result<ObjectMeta, StoreError> {
        let mut writer = self.writer().await?;
        writer.write(bytes).await?;
        writer.commit(bucket, key, content_type).await
    }
}

fn last_marker(listing: &Listing) -> String {
    let last_key = listing.objects.last().map(|(k, _)| k.as_str());
    let last_prefix = listing.common_prefixes.last().map(String::as_str);
    last_key.max(last_prefix).unwrap_or_default().to_owned()
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn hex_decode(text: &str) -> Result<Vec<u8>, ()> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(());
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or(())
        })
        .collect()
}

enum WriterTarget {
    Memory(BytesMut),
    File {
        file: tokio::fs::File,
        body: Arc<FileBody>,
    },
}

/// Receives a body in pieces; [`ObjectWriter::commit`] makes it the object. Dropped
/// uncommitted, it leaves nothing behind.
pub(crate) struct ObjectWriter {
    store: Arc<ObjectStore>,
    target: WriterTarget,
    md5: Md5,
    size: u64,
    /// Memory reserved for the body so far (memory storage).
    reserved: u64,
}

impl std::fmt::Debug for ObjectWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectWriter")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl ObjectWriter {
    /// Appends `bytes`.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        match &mut self.target {
            WriterTarget::Memory(buf) => {
                self.store.reserve(bytes.len() as u64)?;
                self.reserved += bytes.len() as u64;
                buf.extend_from_slice(bytes);
            }
            WriterTarget::File { file, .. } => file.write_all(bytes).await?,
        }
        self.md5.update(bytes);
        self.size += bytes.len() as u64;
        Ok(())
    }

    async fn finish_with_etag(
        mut self,
        content_type: Option<String>,
        etag: Option<String>,
    ) -> Result<ObjectMeta, StoreError> {
        let target = std::mem::replace(&mut self.target, WriterTarget::Memory(BytesMut::new()));
        let body = match target {
            WriterTarget::Memory(buf) => StoredBody::Memory(buf.freeze()),
            WriterTarget::File { mut file, body } => {
                file.flush().await?;
                file.sync_data().await.ok();
                StoredBody::File(body)
            }
        };
        // The reservation now belongs to the stored body.
        self.reserved = 0;
        let md5 = std::mem::take(&mut self.md5);
        Ok(ObjectMeta {
            size: self.size,
            etag: etag.unwrap_or_else(|| hex(&md5.finalize())),
            last_modified: SystemTime::now(),
            content_type,
            body,
        })
    }

    /// The written body, as a part or an object not yet in a bucket.
    pub(crate) async fn finish(
        self,
        content_type: Option<String>,
    ) -> Result<ObjectMeta, StoreError> {
        self.finish_with_etag(content_type, None).await
    }

    /// Makes the body the object `key` of `bucket`, replacing any before it.
    pub(crate) async fn commit(
        self,
        bucket: &str,
        key: &str,
        content_type: Option<String>,
    ) -> Result<ObjectMeta, StoreError> {
        let store = Arc::clone(&self.store);
        let meta = self.finish(content_type).await?;
        match store.commit(bucket, key, meta.clone()) {
            Ok(meta) => Ok(meta),
            Err(err) => {
                store.release_body(&meta);
                Err(err)
            }
        }
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if self.reserved > 0 {
            self.store.release(self.reserved);
        }
    }
}

/// Reads a body in chunks.
#[derive(Debug)]
pub(crate) enum ObjectReader {
    /// What is left of a body in memory.
    Memory(Bytes),
    /// A body in a file.
    File {
        /// The open file.
        file: tokio::fs::File,
        /// Bytes still to read.
        remaining: u64,
        /// Keeps the file from being removed while it is read.
        _body: Arc<FileBody>,
    },
}

impl ObjectReader {
    /// The next chunk, or `None` at the end.
    pub(crate) async fn next_chunk(&mut self) -> Result<Option<Bytes>, StoreError> {
        match self {
            ObjectReader::Memory(bytes) => {
                if bytes.is_empty() {
                    return Ok(None);
                }
                let n = bytes.len().min(READ_CHUNK);
                Ok(Some(bytes.split_to(n)))
            }
            ObjectReader::File {
                file, remaining, ..
            } => {
                if *remaining == 0 {
                    return Ok(None);
                }
                let want = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(READ_CHUNK);
                let mut buf = vec![0u8; want];
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    return Err(StoreError::Io(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "an object's file is shorter than its size",
                    )));
                }
                buf.truncate(n);
                *remaining -= n as u64;
                Ok(Some(Bytes::from(buf)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> StoreLimits {
        StoreLimits {
            max_memory_bytes: 1024,
            max_objects: 10,
        }
    }

    async fn read_all(store: &ObjectStore, key: &str) -> Vec<u8> {
        let (_, mut r) = store.open("b", key, None).await.unwrap();
        let mut out = Vec::new();
        while let Some(c) = r.next_chunk().await.unwrap() {
            out.extend_from_slice(&c);
        }
        out
    }

    async fn both(check: impl AsyncFn(Arc<ObjectStore>)) {
        let dir = tempfile::tempdir().unwrap();
        check(Arc::new(ObjectStore::new(None, limits()).unwrap())).await;
        check(Arc::new(
            ObjectStore::new(Some(dir.path()), limits()).unwrap(),
        ))
        .await;
    }

    #[tokio::test]
    async fn put_get_list_delete_in_memory_and_on_disk() {
        both(async |store| {
            store.create_bucket("b").unwrap();
            for key in ["a/1", "a/2", "b/1", "c"] {
                store
                    .put_bytes("b", key, key.as_bytes(), None)
                    .await
                    .unwrap();
            }
            assert_eq!(read_all(&store, "a/2").await, b"a/2");
            assert_eq!(
                store.head("b", "c").unwrap().etag,
                "4a8a08f09d37b73795649038408b5f33" // md5("c")
            );
            let page = store.list("b", "", Some("/"), None, 2).unwrap();
            assert_eq!(page.common_prefixes, ["a/", "b/"]);
            assert_eq!(page.next_marker.as_deref(), Some("b/"));
            let page = store.list("b", "", Some("/"), Some("b/"), 2).unwrap();
            assert_eq!(page.objects.len(), 1);
            assert!(page.next_marker.is_none());
            store.delete("b", "c").unwrap();
            assert!(matches!(store.head("b", "c"), Err(StoreError::NoSuchKey)));
            assert!(matches!(
                store.delete_bucket("b"),
                Err(StoreError::BucketNotEmpty)
            ));
        })
        .await;
    }

    #[tokio::test]
    async fn memory_and_object_limits_are_enforced_and_released() {
        let store = Arc::new(ObjectStore::new(None, limits()).unwrap());
        store.create_bucket("b").unwrap();
        store.put_bytes("b", "k", &[0; 1000], None).await.unwrap();
        let err = store
            .put_bytes("b", "k2", &[0; 100], None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("s3_max_memory_bytes"), "{err}");
        store.delete("b", "k").unwrap();
        store.put_bytes("b", "k2", &[0; 1000], None).await.unwrap();
        store.delete("b", "k2").unwrap();
        for i in 0..10 {
            store
                .put_bytes("b", &i.to_string(), b"x", None)
                .await
                .unwrap();
        }
        let err = store
            .put_bytes("b", "one-more", b"x", None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("s3_max_objects"), "{err}");
    }

    #[tokio::test]
    async fn multipart_joins_parts_in_order_with_s3_etag() {
        both(async |store| {
            store.create_bucket("b").unwrap();
            let id = store.create_upload("b", "big", None).unwrap();
            let mut etags = Vec::new();
            for (n, body) in [(1, &b"hello "[..]), (2, &b"world"[..])] {
                let mut w = store.writer().await.unwrap();
                w.write(body).await.unwrap();
                let meta = w.finish(None).await.unwrap();
                etags.push((n, meta.etag.clone()));
                store.put_part("b", "big", &id, n, meta).unwrap();
            }
            let wrong = [(2, etags[1].1.clone()), (1, etags[0].1.clone())];
            assert!(
                store
                    .complete_upload("b", "big", &id, &wrong)
                    .await
                    .is_err()
            );
            let meta = store
                .complete_upload("b", "big", &id, &etags)
                .await
                .unwrap();
            assert!(meta.etag.ends_with("-2"), "{}", meta.etag);
            assert_eq!(read_all(&store, "big").await, b"hello world");
            assert!(matches!(
                store.abort_upload("b", "big", &id),
                Err(StoreError::NoSuchUpload)
            ));
        })
        .await;
    }
}
