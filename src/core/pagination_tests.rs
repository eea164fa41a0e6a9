use super::*;

#[test]
fn matches_upstream_examples() {
    let p = paged(3, 2, 0, Some("3"), Some("2"), 2);
    assert_eq!((p.current_page, p.total_pages, p.has_next_page), (1, 2, true));
    assert_eq!(p.next_cursor.as_deref(), Some("2"));
    assert_eq!(p.previous_cursor, None);
    let p = paged(3, 2, 2, Some("1"), Some("1"), 1);
    assert_eq!((p.current_page, p.has_next_page, p.has_previous_page), (2, false, true));
    assert_eq!(p.previous_cursor.as_deref(), Some("1"));
    assert_eq!(p.next_cursor, None);
    let empty = calculate(0, 10, 30);
    assert_eq!((empty.current_page, empty.total_pages), (1, 0));
    assert_eq!(last_page_offset(3, 2), 2);
    assert_eq!(last_page_offset(0, 2), 0);
    let json = serde_json::to_string(&calculate(5, 2, 0)).unwrap();
    assert_eq!(json, r#"{"total":5,"hasNextPage":true,"hasPreviousPage":false,"currentPage":1,"totalPages":3}"#);
}
