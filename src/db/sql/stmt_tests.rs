use super::*;

#[test]
fn numbers_postgres_placeholders() {
    let mut b = SqlBuilder::new(Provider::Postgres);
    b.push("select 1 where id = ").uuid("x").push(" and enabled = ").boolean(true).push(" and c in ");
    b.list(&["a".into(), "b".into()], false);
    let stmt = b.finish();
    assert_eq!(stmt.sql, "select 1 where id = $1::uuid and enabled = $2 and c in ($3, $4)");
    assert_eq!(stmt.params[1], Param::Bool(true));
}

#[test]
fn sqlite_binds_booleans_as_integers() {
    let mut b = SqlBuilder::new(Provider::Sqlite);
    b.push("enabled = ").boolean(false);
    let stmt = b.finish();
    assert_eq!((stmt.sql.as_str(), &stmt.params[..]), ("enabled = ?", &[Param::Int(0)][..]));
}
