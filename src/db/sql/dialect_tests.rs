use super::*;

#[test]
fn placeholders_and_casts() {
    assert_eq!(Provider::Sqlite.placeholder(3, Slot::Uuid), "?");
    assert_eq!(Provider::MySql.placeholder(1, Slot::Json), "?");
    assert_eq!(Provider::Postgres.placeholder(2, Slot::Uuid), "$2::uuid");
    assert_eq!(Provider::Postgres.placeholder(4, Slot::Json), "$4::json");
    assert_eq!(Provider::Postgres.placeholder(5, Slot::Text), "$5");
}

#[test]
fn uuid_spellings_postgres_accepts() {
    for ok in [
        "01900000-0000-7000-8000-000000000001",
        "{0190000000007000800000000000000A}",
        "0190-0000-0000-7000-8000-0000-0000-0001",
        "00000000000000000000000000000000",
    ] {
        assert!(pg_accepts_uuid(ok), "{ok}");
    }
    for bad in [
        "",
        "not-a-uuid",
        "-01900000-0000-7000-8000-000000000001",
        "01900000-0000-7000-8000-000000000001-",
        "0190--0000-7000-8000-000000000001",
        "019-00000-0000-7000-8000-000000000001",
        "{01900000-0000-7000-8000-000000000001",
        "01900000-0000-7000-8000-00000000000g",
        " 01900000-0000-7000-8000-000000000001",
        "01900000-0000-7000-8000-0000000000011",
    ] {
        assert!(!pg_accepts_uuid(bad), "{bad}");
    }
}

#[test]
fn upserts() {
    assert_eq!(Provider::Sqlite.upsert_clause("id", &["a", "b"]), " on conflict (id) do update set a = excluded.a, b = excluded.b");
    assert_eq!(Provider::MySql.upsert_clause("id", &["a"]), " on duplicate key update a = values(a)");
}
