//! Tests of the SQL backends. The contract cases (`crud`, `listing`, `updates`) take only a
//! `&dyn Database` and run on every backend; `schema_cases` exercise the migrator per engine.
//! Each test gets its own database (see `harness`).

mod crud;
mod fixtures;
mod harness;
mod listing;
mod local;
mod schema_cases;
mod updates;

/// Declares one `#[tokio::test]` per contract case for `$kind`.
macro_rules! contract_tests {
    ($kind:expr) => {
        contract_tests!(@each $kind;
            crud::insert_then_get_all_keys, crud::defaults_when_absent, crud::get_missing_is_none,
            crud::upsert_replaces_columns_and_patches, crud::update_merges_like_upstream, crud::update_missing_fails,
            crud::update_constraint_errors_do_not_write, crud::database_checks_reject_invalid_rows,
            crud::delete_cascades_patches_by_base, crud::channels_sorted_unique, crud::concurrent_writes_and_reads, crud::stress_patch_writes,
            listing::every_filter, listing::empty_sets_match_nothing, listing::cursor_pagination_verified_examples,
            listing::cursor_on_empty_database, listing::page_numbers_clamp_to_last_page,
            listing::ascending_order_and_cursor, listing::large_pages,
            updates::app_version_updates_to_newest, updates::app_version_mismatch, updates::disabled_bundles,
            updates::init_rollback, updates::min_bundle_id_bounds, updates::channel_and_platform_isolation,
            updates::fingerprint_strategy, updates::empty_and_many_target_versions, updates::semver_ranges,
            updates::lookup_carries_target_and_current, updates::rollout_cohorts, updates::matches_reference_resolver,
        );
    };
    (@each $kind:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::harness::run($kind, super::harness::migrated(), |db| async move {
                    super::$module::$name(&*db).await
                })
                .await;
            }
        )*
    };
}

/// Declares the engine-level cases for `$kind`.
macro_rules! schema_tests {
    ($kind:expr) => {
        schema_tests!(@each $kind, super::harness::manual();
            readiness_then_migrate_from_empty, migrate_from_0_21_0, migrate_from_0_29_0,
            unsupported_version_is_refused, update_check_query_budget, ids_that_are_not_uuids,
            change_marker_sees_in_place_updates,
        );
        schema_tests!(@each $kind, crate::db::sql::SqlOptions::default(); default_options);
    };
    (@each $kind:expr, $options:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::harness::run($kind, $options, super::schema_cases::$name).await;
            }
        )*
    };
}

mod sqlite_file {
    contract_tests!(super::harness::Kind::SqliteFile);
}
mod sqlite_file_schema {
    schema_tests!(super::harness::Kind::SqliteFile);
}
mod sqlite_memory {
    contract_tests!(super::harness::Kind::SqliteMemory);
}
mod sqlite_memory_schema {
    schema_tests!(super::harness::Kind::SqliteMemory);
}
mod postgres {
    contract_tests!(super::harness::Kind::Postgres);
}
mod postgres_schema {
    schema_tests!(super::harness::Kind::Postgres);
}
mod mysql {
    contract_tests!(super::harness::Kind::MySql);
}
mod mysql_schema {
    schema_tests!(super::harness::Kind::MySql);
}
