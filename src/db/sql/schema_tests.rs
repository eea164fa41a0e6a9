use super::*;

#[test]
fn column_counts_follow_history() {
    let count = |v: &str| tables(v).unwrap()[0].columns.len();
    assert_eq!((count("0.21.0"), count("0.29.0"), count("0.31.0")), (12, 14, 17));
    assert_eq!(tables("0.31.0").unwrap().len(), 3);
    assert!(tables("0.30.0").is_none());
    assert!(is_migratable(None) && is_migratable(Some("0.21.0")) && !is_migratable(Some("1.0.0")));
}
