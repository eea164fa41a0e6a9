use super::*;

#[test]
fn key_expiries_remember_the_newest_keys() {
    let keys = KeyExpiries::default();
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    assert_eq!(keys.expiry("A"), None);
    keys.record("A", Some(t));
    keys.record("B", None);
    assert_eq!(keys.expiry("A"), Some(Some(t)));
    assert_eq!(keys.expiry("B"), Some(None));
    // A key seen again takes its newest expiry.
    keys.record("A", Some(t + Duration::from_secs(60)));
    assert_eq!(keys.expiry("A"), Some(Some(t + Duration::from_secs(60))));
    for i in 0..KEYS_REMEMBERED {
        keys.record(&format!("K{i}"), None);
    }
    assert_eq!(keys.expiry("A"), None, "the oldest keys are forgotten");
    assert_eq!(keys.expiry(&format!("K{}", KEYS_REMEMBERED - 1)), Some(None));
}

#[tokio::test]
async fn tracked_provider_reports_what_it_hands_out() {
    let keys = Arc::new(KeyExpiries::default());
    let expiry = SystemTime::now() + Duration::from_secs(900);
    let inner = SharedCredentialsProvider::new(Credentials::new("ASIATEMP", "secret", Some("token".into()), Some(expiry), "test"));
    let tracked = Tracked { inner, keys: keys.clone() };
    let creds = tracked.provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIATEMP");
    assert_eq!(keys.expiry("ASIATEMP"), Some(Some(expiry)));
}

#[test]
fn credentials_errors_are_found_among_the_causes() {
    let not_loaded = CredentialsError::not_loaded("no providers in chain provided credentials");
    assert_eq!(credentials_error(&not_loaded).as_deref(), Some(NO_CREDENTIALS));
    let failed = CredentialsError::provider_error(std::io::Error::other("connection refused"));
    assert_eq!(credentials_error(&failed).as_deref(), Some("Could not load credentials: connection refused"));
    assert_eq!(credentials_error(&std::io::Error::other("x")), None);
}
