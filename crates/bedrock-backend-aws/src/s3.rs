//! S3 objects through the backend's own settings: batch inputs go up and batch outputs come
//! down over the same endpoint, region, credentials, timeouts and response limit as the
//! Bedrock calls.
//!
//! With an `endpoint_url` (the emulator, which serves S3 on the Bedrock port and tells the two
//! apart by the SigV4 service name) the client addresses buckets path-style. S3 takes no
//! Bedrock API key: these calls are always signed with the configured credentials.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use bedrock_core::batch::S3Uri;
use bedrock_core::{Error, Region, Result};
use bytes::Bytes;

use crate::errors::map_sdk_error;
use crate::{AwsBackend, NoCredentials, SharedCredentialsProvider, default_http_client};

impl AwsBackend {
    /// An S3 client for `region` with this backend's endpoint, credentials (and their shared
    /// cache), retries, timeouts, HTTP client and response limit. Each call builds a new client;
    /// keep it for many calls.
    pub fn s3_client(&self, region: Region) -> aws_sdk_s3::Client {
        let mut conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(region.as_str()))
            .retry_config(self.retry_config())
            .timeout_config(self.timeout_config())
            .identity_cache(self.identity_cache.clone());
        if let Some(mut http) = self.config.http_client.clone().or_else(default_http_client) {
            if let Some(limit) = self.config.max_response_bytes {
                http = crate::response_limit::LimitedHttpClient::shared(http, limit);
            }
            conf = conf.http_client(http);
        }
        if let Some(url) = &self.config.endpoint_url {
            // A custom endpoint has no bucket subdomains.
            conf = conf.endpoint_url(url).force_path_style(true);
        }
        let creds = self
            .config
            .credentials
            .clone()
            .unwrap_or_else(|| SharedCredentialsProvider::new(NoCredentials));
        conf.set_credentials_provider(Some(creds));
        aws_sdk_s3::Client::from_conf(conf.build())
    }

    /// Stores `body` at `uri` (PutObject). Use [`ByteStream::from_path`] to send a file without
    /// reading it into memory.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `uri` names no key; otherwise the service's error (for
    /// example `NoSuchBucket`) or a transport or credentials error, mapped as every other call.
    pub async fn put_object(&self, region: Region, uri: &S3Uri, body: ByteStream) -> Result<()> {
        check_key(uri)?;
        self.s3_client(region)
            .put_object()
            .bucket(&uri.bucket)
            .key(&uri.key)
            .body(body)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    /// The body of the object at `uri` (GetObject), read whole; an object larger than
    /// [`crate::AwsBackendConfig::max_response_bytes`] fails with a transport error naming
    /// the limit.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `uri` names no key; the service's error (for example
    /// `NoSuchKey`); a transport error when the body cannot be read.
    pub async fn get_object(&self, region: Region, uri: &S3Uri) -> Result<Bytes> {
        check_key(uri)?;
        let out = self
            .s3_client(region)
            .get_object()
            .bucket(&uri.bucket)
            .key(&uri.key)
            .send()
            .await
            .map_err(map_sdk_error)?;
        let body = out.body.collect().await.map_err(|e| {
            Error::transport(
                format!("could not read the body of {uri}"),
                Some(Box::new(e)),
            )
        })?;
        Ok(body.into_bytes())
    }

    /// Every object whose key starts with `prefix.key` in `prefix.bucket` (ListObjectsV2,
    /// every page), in key order. An empty key lists the whole bucket.
    ///
    /// # Errors
    /// The service's error (for example `NoSuchBucket`) or a transport or credentials error.
    pub async fn list_objects(&self, region: Region, prefix: &S3Uri) -> Result<Vec<S3Object>> {
        let mut pages = self
            .s3_client(region)
            .list_objects_v2()
            .bucket(&prefix.bucket)
            .prefix(&prefix.key)
            .into_paginator()
            .send();
        let mut objects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(map_sdk_error)?;
            objects.extend(page.contents().iter().filter_map(|o| {
                Some(S3Object {
                    key: o.key()?.to_owned(),
                    size: o.size().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                })
            }));
        }
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// Creates `bucket` in `region` (CreateBucket) unless this account already owns it.
    ///
    /// # Errors
    /// The service's error, e.g. `BucketAlreadyExists` when another account owns the name.
    pub async fn create_bucket(&self, region: Region, bucket: &str) -> Result<()> {
        let mut call = self.s3_client(region).create_bucket().bucket(bucket);
        // us-east-1 is the one region S3 refuses a location constraint for.
        if region != Region::UsEast1 {
            call = call.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        match call.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_bucket_already_owned_by_you()) =>
            {
                Ok(())
            }
            Err(e) => Err(map_sdk_error(e)),
        }
    }
}

/// One object of a listing ([`AwsBackend::list_objects`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    /// The object's key in its bucket.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// S3 refuses an empty key with a message about the request; say which part is missing.
fn check_key(uri: &S3Uri) -> Result<()> {
    if uri.key.is_empty() || uri.key.ends_with('/') {
        return Err(Error::invalid(
            "s3Uri",
            uri.to_string(),
            "s3://BUCKET/KEY naming an object (not a bucket or a prefix ending in /)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> S3Uri {
        S3Uri::parse("s3Uri", text).unwrap()
    }

    #[test]
    fn an_object_call_needs_a_key_and_refuses_a_bucket_or_prefix_before_sending() {
        check_key(&uri("s3://in-bucket/records.jsonl")).unwrap();
        for bad in [
            "s3://in-bucket",
            "s3://in-bucket/",
            "s3://in-bucket/nightly/",
        ] {
            let err = check_key(&uri(bad)).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("s3Uri") && text.contains("naming an object"),
                "{bad}: {text}"
            );
        }
    }

    #[tokio::test]
    async fn calls_without_credentials_fail_as_credentials_errors() {
        let backend = AwsBackend::new(crate::AwsBackendConfig {
            // Nothing listens there; the credentials are missing before any connection.
            endpoint_url: Some("http://127.0.0.1:9".to_owned()),
            max_attempts: 1,
            ..crate::AwsBackendConfig::default()
        });
        let err = backend
            .get_object(Region::UsEast1, &uri("s3://in-bucket/records.jsonl"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), bedrock_core::ErrorKind::Credentials, "{err}");
    }
}
