use super::*;

#[test]
fn readiness_messages_match_upstream() {
    assert_eq!(
        readiness_error("sqlite", None).message,
        "Hot Updater database schema is not initialized for sqlite. Run `hot-updater db migrate` before using this adapter."
    );
    assert_eq!(
        readiness_error("postgresql", Some("0.29.0")).message,
        "Hot Updater database schema version 0.29.0 is not supported by postgresql. Run `hot-updater db migrate` to upgrade to 0.31.0."
    );
    assert!(should_auto_migrate(None) && should_auto_migrate(Some("0.21.0")));
    assert!(!should_auto_migrate(Some("0.31.0")) && !should_auto_migrate(Some("9.9.9")));
}
