//! Fixes applied to progenitor's output (the syntax tree, before it is printed), for what a spec
//! cannot express differently.
//!
//! * **Unset recursive fields.** typify breaks a type's cycle through one of its own optional
//!   properties by boxing the `Option` (`Box<Option<T>>` rather than `Option<Box<T>>`), and then
//!   no longer recognises the field as optional: it gets `#[serde(default)]` but no
//!   `skip_serializing_if`, so every unset child is sent as `null` (in Synerise a `null` clears
//!   a value). Such fields get `skip_serializing_if = "::std::option::Option::is_none"`, which
//!   applies to the box through deref coercion.
//! * **The `api-version` header of every request.** progenitor adds the spec's `info.version` as
//!   an `api-version` header to every request, through a header map built for each call and
//!   merged into the request. Synerise requires the header on some operations only (and with its
//!   own value), so `crate::hooks` sets or removes it per operation from the operation table.
//!   The generated header map is dropped: the header is the hooks' alone, and no request pays for
//!   building and removing it.
//! * **Response headers moved, not copied.** `ResponseValue::from_response` and
//!   `ResponseValue::empty` clone the headers of a response they own; the generated code calls
//!   `crate::responses::{json, empty}` instead, which move them.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

const SKIP_NONE: &str = "::std::option::Option::is_none";

/// Applies every fix; returns what changed, one line per kind of fix.
pub fn apply(file: &mut syn::File) -> Vec<String> {
    let mut unset = UnsetBoxedOptions::default();
    unset.visit_file_mut(file);
    let mut api_version = GeneratedApiVersion::default();
    api_version.visit_file_mut(file);
    let mut responses = MovedResponseHeaders::default();
    responses.visit_file_mut(file);
    let mut changes = Vec::new();
    if responses.replaced > 0 {
        changes.push(format!(
            "{} response conversions move the headers (`crate::responses`)",
            responses.replaced
        ));
    }
    if api_version.removed > 0 {
        changes.push(format!(
            "the generated `api-version` header is left to the hooks in {} operations",
            api_version.removed
        ));
    }
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

#[derive(Default)]
struct MovedResponseHeaders {
    replaced: usize,
}

impl VisitMut for MovedResponseHeaders {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(path) = &mut *call.func {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let replacement = match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                ["ResponseValue", "from_response"] => Some("json"),
                ["ResponseValue", "empty"] => Some("empty"),
                _ => None,
            };
            if let Some(name) = replacement {
                let name = syn::Ident::new(name, proc_macro2::Span::call_site());
                path.path = syn::parse_quote!(crate::responses::#name);
                self.replaced += 1;
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
}

#[derive(Default)]
struct GeneratedApiVersion {
    removed: usize,
}

impl VisitMut for GeneratedApiVersion {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !appends_api_version(stmt));
        let removed = before - block.stmts.len();
        if removed > 0 {
            self.removed += removed;
            let mutated = block.stmts.iter().any(|stmt| {
                let text = stmt.to_token_stream().to_string();
                text.contains("header_map . append") || text.contains("header_map . insert")
            });
            if !mutated {
                for stmt in &mut block.stmts {
                    if let syn::Stmt::Local(local) = stmt
                        && local_name(local).as_deref() == Some("header_map")
                    {
                        *stmt = syn::parse_quote! {
                            let header_map = ::reqwest::header::HeaderMap::new();
                        };
                    }
                }
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), …);`
fn appends_api_version(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && call.receiver.to_token_stream().to_string() == "header_map"
        && call.args.first().is_some_and(|name| {
            name.to_token_stream()
                .to_string()
                .contains("\"api-version\"")
        })
}

fn local_name(local: &syn::Local) -> Option<String> {
    match &local.pat {
        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
        _ => None,
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
    fn the_generated_api_version_header_is_left_to_the_hooks() {
        let (out, changes) = fixed(
            r#"impl<'a> GetThing<'a> {
                pub async fn send(self) {
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    let request = client.client.get(url).headers(header_map).build()?;
                }
                pub async fn other(self) {
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    header_map.append("x-other", value);
                }
            }"#,
        );
        assert_eq!(
            changes,
            ["the generated `api-version` header is left to the hooks in 2 operations"]
        );
        assert!(!out.contains("api-version"), "{out}");
        assert!(
            out.contains("let header_map = :: reqwest :: header :: HeaderMap :: new () ;"),
            "{out}"
        );
        // A map with other headers stays mutable and keeps them.
        assert!(
            out.contains(
                "let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity (2usize) ;"
            ),
            "{out}"
        );
        assert!(
            out.contains(r#"header_map . append ("x-other" , value)"#),
            "{out}"
        );
    }

    #[test]
    fn response_conversions_move_the_headers() {
        let (out, changes) = fixed(
            r#"async fn send() {
                match status {
                    200..=299 => ResponseValue::from_response(response).await,
                    _ => Err(Error::UnexpectedResponse(response)),
                }
                match status {
                    200..=299 => Ok(ResponseValue::empty(response)),
                    _ => Ok(ResponseValue::stream(response)),
                }
            }"#,
        );
        assert_eq!(
            changes,
            ["2 response conversions move the headers (`crate::responses`)"]
        );
        assert!(
            out.contains("crate :: responses :: json (response) . await"),
            "{out}"
        );
        assert!(
            out.contains("Ok (crate :: responses :: empty (response))"),
            "{out}"
        );
        assert!(out.contains("ResponseValue :: stream (response)"), "{out}");
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
