//! Fixes applied to progenitor's output (the syntax tree, before it is printed), for what a spec
//! cannot express differently.
//!
//! * **Unset recursive fields.** typify breaks a type's cycle through one of its own optional
//!   properties by boxing the `Option` (`Box<Option<T>>` rather than `Option<Box<T>>`), and then
//!   no longer recognises the field as optional: it gets `#[serde(default)]` but no
//!   `skip_serializing_if`, so every unset child is sent as `null` (in Synerise a `null` clears
//!   a value). Such fields get `skip_serializing_if = "::std::option::Option::is_none"`, which
//!   applies to the box through deref coercion.

use syn::visit_mut::VisitMut;

const SKIP_NONE: &str = "::std::option::Option::is_none";

/// Applies every fix; returns what changed, one line per kind of fix.
pub fn apply(file: &mut syn::File) -> Vec<String> {
    let mut unset = UnsetBoxedOptions::default();
    unset.visit_file_mut(file);
    let mut changes = Vec::new();
    if !unset.fixed.is_empty() {
        changes.push(format!(
            "{} boxed optional fields skip serialising when unset: {}",
            unset.fixed.len(),
            unset.fixed.join(", ")
        ));
    }
    changes
}

#[derive(Default)]
struct UnsetBoxedOptions {
    fixed: Vec<String>,
}

impl VisitMut for UnsetBoxedOptions {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        for field in item.fields.iter_mut() {
            if !is_boxed_option(&field.ty) {
                continue;
            }
            for attr in &mut field.attrs {
                if !attr.path().is_ident("serde") {
                    continue;
                }
                let syn::Meta::List(list) = &mut attr.meta else {
                    continue;
                };
                let args = list.tokens.to_string();
                if args.contains("skip_serializing_if")
                    || !args.split(',').any(|a| a.trim() == "default")
                {
                    continue;
                }
                list.tokens
                    .extend(quote::quote!(, skip_serializing_if = #SKIP_NONE));
                let name = field
                    .ident
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                self.fixed.push(format!("{}.{name}", item.ident));
            }
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }
}

/// `Box<Option<T>>`, however the paths are spelled.
fn is_boxed_option(ty: &syn::Type) -> bool {
    let inner = |ty: &syn::Type, name: &str| -> Option<syn::Type> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        match args.args.first()? {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }
    };
    inner(ty, "Box").is_some_and(|t| inner(&t, "Option").is_some())
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn fixed(source: &str) -> (String, Vec<String>) {
        let mut file: syn::File = syn::parse_str(source).unwrap();
        let changes = apply(&mut file);
        (file.to_token_stream().to_string(), changes)
    }

    #[test]
    fn boxed_options_with_a_default_skip_serialising_when_unset() {
        let (out, changes) = fixed(
            r#"pub struct Node {
                #[serde(default)]
                pub arg: ::std::boxed::Box<::std::option::Option<Node>>,
                #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
                pub type_: ::std::option::Option<String>,
                #[serde(default)]
                pub list: Vec<Node>,
                pub required: ::std::boxed::Box<::std::option::Option<Node>>,
            }"#,
        );
        assert_eq!(
            changes,
            ["1 boxed optional fields skip serialising when unset: Node.arg"]
        );
        assert!(
            out.contains(
                r#"# [serde (default , skip_serializing_if = "::std::option::Option::is_none")] pub arg"#
            ),
            "{out}"
        );
        // Other fields are left alone.
        assert!(out.contains(r#"# [serde (default)] pub list"#), "{out}");
        assert!(out.contains("pub required"), "{out}");
        assert_eq!(out.matches("skip_serializing_if").count(), 2, "{out}");
    }

    #[test]
    fn nothing_to_fix_changes_nothing() {
        let source = "pub struct A { #[serde(default)] pub b: Option<Box<A>> }";
        let (out, changes) = fixed(source);
        assert!(changes.is_empty());
        assert_eq!(
            out,
            syn::parse_str::<syn::File>(source)
                .unwrap()
                .to_token_stream()
                .to_string()
        );
    }
}
