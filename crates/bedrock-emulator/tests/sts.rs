//! STS against the emulator with the unmodified aws-sdk-sts client: AssumeRole (external id,
//! session name, duration), GetCallerIdentity, STS's XML errors, and the issued credentials
//! invoking a model until they expire.

mod common;

use std::time::{Duration, SystemTime};

use aws_sdk_sts::error::ProvideErrorMetadata as _;
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, EmulatorHandle,
    RoleConfig,
};
use common::{Reply, Signer, encode_id, send};

const ROLE: &str = "arn:aws:iam::210987654321:role/bedrock-invoker";
const GUARDED_ROLE: &str = "arn:aws:iam::210987654321:role/partner-access";
const EXTERNAL_ID: &str = "partner-7f3a";
const MODEL: &str = "amazon.titan-text-express-v1";

async fn start(lifetime: Option<Duration>) -> EmulatorHandle {
    let mut role = RoleConfig::new(ROLE);
    if let Some(lifetime) = lifetime {
        role = role.with_lifetime(lifetime);
    }
    let config = EmulatorConfig::default()
        .with_role(role)
        .with_role(RoleConfig::new(GUARDED_ROLE).with_external_id(EXTERNAL_ID));
    Emulator::builder().config(config).start().await.unwrap()
}

fn client(
    emu: &EmulatorHandle,
    key: &str,
    secret: &str,
    token: Option<&str>,
) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(emu.url())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            key,
            secret,
            token.map(str::to_owned),
            None,
            "sts-test",
        ))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn example_client(emu: &EmulatorHandle) -> aws_sdk_sts::Client {
    client(emu, EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, None)
}

fn issued_client(emu: &EmulatorHandle, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_sts::Client {
    client(
        emu,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    )
}

async fn invoke_with(emu: &EmulatorHandle, c: &aws_sdk_sts::types::Credentials) -> Reply {
    let signer = Signer {
        access_key_id: c.access_key_id().to_owned(),
        secret: c.secret_access_key().to_owned(),
        session_token: Some(c.session_token().to_owned()),
        region: "us-east-1".to_owned(),
    };
    let path = format!("/model/{}/invoke", encode_id(MODEL));
    send(
        emu.addr(),
        signer.request(
            "POST",
            emu.addr(),
            &path,
            Some("application/json"),
            r#"{"inputText":"hi"}"#,
        ),
    )
    .await
}

#[tokio::test]
async fn assume_role_through_the_sdk_then_invoke_and_get_caller_identity() {
    let emu = start(None).await;
    let sts = example_client(&emu);

    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/emulator"));
    assert!(me.user_id().is_some_and(|id| id.starts_with("AIDA")));

    let out = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("ci-job-17")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let credentials = out.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let left = SystemTime::try_from(*credentials.expiration())
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(890) && left <= Duration::from_secs(901),
        "{left:?}"
    );
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::210987654321:assumed-role/bedrock-invoker/ci-job-17"
    );
    assert!(
        user.assumed_role_id().starts_with("AROA")
            && user.assumed_role_id().ends_with(":ci-job-17")
    );

    let reply = invoke_with(&emu, credentials).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );

    // The issued credentials sign STS calls too.
    let who = issued_client(&emu, credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.arn(), Some(user.arn()));
    assert_eq!(who.account(), Some("210987654321"));

    // With the external id the role asks for.
    let out = sts
        .assume_role()
        .role_arn(GUARDED_ROLE)
        .role_session_name("partner")
        .external_id(EXTERNAL_ID)
        .send()
        .await
        .unwrap();
    let left = SystemTime::try_from(*out.credentials().unwrap().expiration())
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(3590),
        "default one hour: {left:?}"
    );

    let requests = emu.credential_requests();
    assert_eq!(
        (
            requests.assume_role,
            requests.create_session,
            requests.issued
        ),
        (2, 0, 2)
    );
}

#[tokio::test]
async fn refusals_carry_sts_error_codes() {
    let emu = start(None).await;
    let sts = example_client(&emu);
    let code =
        |e: aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>| {
            let e = e.into_service_error();
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        };

    let (c, m) = code(
        sts.assume_role()
            .role_arn("arn:aws:iam::210987654321:role/unknown")
            .role_session_name("s1")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(c, "AccessDenied", "{m}");
    assert!(
        m.contains(
            "arn:aws:iam::123456789012:user/emulator is not authorized to perform: sts:AssumeRole"
        ),
        "{m}"
    );
    for external_id in [None, Some("wrong-id")] {
        let mut call = sts
            .assume_role()
            .role_arn(GUARDED_ROLE)
            .role_session_name("s1");
        if let Some(id) = external_id {
            call = call.external_id(id);
        }
        let (c, m) = code(call.send().await.unwrap_err());
        assert_eq!(c, "AccessDenied", "{external_id:?}: {m}");
        assert!(!m.contains(EXTERNAL_ID), "{m}");
    }
    for (duration, needle) in [
        (100, "durationSeconds"),
        (50_000, "durationSeconds"),
        (7200, "MaxSessionDuration"),
    ] {
        let (c, m) = code(
            sts.assume_role()
                .role_arn(ROLE)
                .role_session_name("s1")
                .duration_seconds(duration)
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(c, "ValidationError", "{duration}: {m}");
        assert!(m.contains(needle), "{duration}: {m}");
    }
    let (c, _) = code(
        sts.assume_role()
            .role_arn(ROLE)
            .role_session_name("has space")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(c, "ValidationError");

    let (c, _) = code(
        client(&emu, EXAMPLE_ACCESS_KEY_ID, "not-the-secret", None)
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(c, "SignatureDoesNotMatch");
    let (c, _) = code(
        client(&emu, "AKIDUNKNOWN", "secret", None)
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(c, "InvalidClientTokenId");
    assert_eq!(emu.credential_requests().issued, 0);
    // One request per call: the SDK does not retry these refusals.
    assert_eq!(emu.credential_requests().assume_role, 9);
}

#[tokio::test]
async fn errors_are_sts_xml_and_a_bedrock_scoped_signature_is_refused() {
    let emu = start(None).await;
    // Signed for `bedrock`, sent to STS.
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let reply = send(
        emu.addr(),
        Signer::example().request(
            "POST",
            emu.addr(),
            "/",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            body,
        ),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.header("content-type"), Some("text/xml"));
    let xml = String::from_utf8_lossy(&reply.body);
    assert!(
        xml.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>")
            && xml.contains("correct service: &apos;sts&apos;")
            && xml.contains("<RequestId>"),
        "{xml}"
    );
    // An unsigned request is refused before its action is looked at.
    let reply = send(
        emu.addr(),
        common::plain(
            "POST",
            emu.addr(),
            "/",
            Some("application/x-www-form-urlencoded"),
            "Action=GetSessionToken&Version=2011-06-15",
        ),
    )
    .await;
    assert_eq!(reply.status, 403, "unsigned: authentication comes first");
    let xml = String::from_utf8_lossy(&reply.body);
    assert!(
        xml.contains("<Code>MissingAuthenticationToken</Code>"),
        "{xml}"
    );
}

#[tokio::test]
async fn assumed_role_credentials_expire() {
    let emu = start(Some(Duration::from_secs(1))).await;
    let out = example_client(&emu)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("short")
        .send()
        .await
        .unwrap();
    let credentials = out.credentials().unwrap();
    let expires = SystemTime::try_from(*credentials.expiration()).unwrap();
    assert!(expires <= SystemTime::now() + Duration::from_secs(2));
    assert_eq!(invoke_with(&emu, credentials).await.status, 200);
    while SystemTime::now() <= expires {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reply = invoke_with(&emu, credentials).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("ExpiredTokenException"))
    );
    let err = issued_client(&emu, credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("ExpiredToken"), "{err:?}");
}
