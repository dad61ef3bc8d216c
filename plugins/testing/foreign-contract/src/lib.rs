//! A plugin for `isac:policy@1.0.0`, a contract version the host does not support.

wit_bindgen::generate!({ path: "wit", world: "sharing-policy" });

struct Foreign;

impl exports::isac::policy::policy::Guest for Foreign {
    fn validate_settings(_: String) -> Result<(), String> {
        Ok(())
    }
}

export!(Foreign);
