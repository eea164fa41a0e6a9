fn main() {
    // Only the Node.js binding needs napi's link settings; a build without the `napi` feature
    // (the fuzz targets) links no Node symbols.
    if std::env::var_os("CARGO_FEATURE_NAPI").is_some() {
        napi_build::setup();
    }
}
