//! A plugin for `isac:policy@1.0.0`, a contract version the host does not support.
//! Only a wasm build exports it: a native build of the workspace (`cargo build`
//! at the root) cannot link the contract's export names, and has no use for them.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({ path: "wit", world: "sharing-policy" });

struct Foreign;

impl exports::isac::policy::policy::Guest for Foreign {
    fn validate_settings(_: String) -> Result<(), String> {
        Ok(())
    }
}

export!(Foreign);
