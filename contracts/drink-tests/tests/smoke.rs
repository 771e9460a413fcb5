use drink::session::Session;
#[drink::contract_bundle_provider]
enum BundleProvider {}
#[drink::test]
fn deploy_works(mut session: Session) {
    let _ = BundleProvider::Ehr.bundle().unwrap();
}
