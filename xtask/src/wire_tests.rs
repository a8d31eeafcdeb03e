//! The wire snapshot tests written to `tests/tests/wire/generated.rs` (a module of `tests/tests/wire_snapshots.rs`): one `#[tokio::test]` per
//! operation that calls it against a loopback server and snapshots the request it sent (method,
//! path, query, headers, body), so a regeneration that changes anything on the wire shows up in
//! review.
//!
//! Each call fills every parameter (required and optional) and, where the operation takes one, a
//! request body. Values come from the spec's `example` when it fits the schema, else they are
//! synthesised from the schema (type, format, enum, bounds). Parameter and body *types* are read
//! from the generated client source (the builders' `TryInto<T>` bounds), not guessed, and bodies are
//! built with `serde_json::from_value::<T>(json!(..))`, so a body that no longer fits its type
//! fails the test instead of silently changing.
//!
//! The recorder the tests use (`tests/tests/wire/mod.rs`) is hand-written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use serde_json::{Map, Value, json};

use crate::Result;
use crate::spec::METHODS;

/// Where the rendered test file lives, relative to the workspace root.
pub const PATH: &str = "tests/tests/wire/generated.rs";

/// Lints that are noise in generated test code.
const ALLOW: &str = "#![allow(clippy::all, clippy::pedantic, unused_imports)]";

const MODULE_DOC: &str = "//! One test per operation: the call is sent to a loopback server that records it, and the\n//! request (method, path, query, headers except credentials and framing, body) is an insta\n//! snapshot. Values come from the spec's examples or are synthesised from the schemas by\n//! `xtask/src/wire_tests.rs`; the recorder is `tests/tests/wire/mod.rs`.\n";

/// A fixed UUID for every `format: uuid` value without an example.
const UUID: &str = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b";

/// The example of a date-time kept as text.
const DATE_TIME: &str = "2024-05-17T10:20:30Z";

/// A generated builder, as read from the generated source.
#[derive(Debug, Default, Clone)]
struct Builder {
    /// `operation_id` in its `OperationInfo`.
    operation_id: String,
    /// Setter name to the type its `TryInto<T>` bound names (token text).
    setters: BTreeMap<String, String>,
    /// Query parameters as sent: wire name and the setter (variable) holding the value.
    query: Vec<(String, String)>,
    /// The variables `encode_path` is called on in the URL, in order.
    path_args: Vec<String>,
}

/// Everything the test renderer needs from the generated source.
#[derive(Debug, Default)]
struct Generated {
    /// Operation id to builder.
    builders: BTreeMap<String, Builder>,
    /// `Client` methods returning a builder: method name to builder struct name.
    client_methods: BTreeMap<String, String>,
    /// Builder struct name to operation id.
    builder_ops: BTreeMap<String, String>,
}

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

/// Token text without spaces, for matching (`:: std :: string :: String` -> `::std::string::String`).
fn compact(ty: &str) -> String {
    ty.chars().filter(|c| !c.is_whitespace()).collect()
}

fn last_segment(path: &syn::Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// The `T` of a `V: ...TryInto<T>` bound on a setter.
fn try_into_target(sig: &syn::Signature) -> Option<String> {
    let predicates = sig
        .generics
        .where_clause
        .iter()
        .flat_map(|w| w.predicates.iter());
    let bounds = sig
        .generics
        .type_params()
        .flat_map(|p| p.bounds.iter().map(move |b| (p.ident.to_string(), b)));
    let from_where = predicates.filter_map(|p| match p {
        syn::WherePredicate::Type(t) => Some(t),
        _ => None,
    });
    let mut candidates: Vec<(String, &syn::TypeParamBound)> = bounds.collect();
    for p in from_where {
        for b in &p.bounds {
            candidates.push((tokens(&p.bounded_ty), b));
        }
    }
    for (bounded, bound) in candidates {
        if bounded != "V" {
            continue;
        }
        let syn::TypeParamBound::Trait(tb) = bound else {
            continue;
        };
        let Some(seg) = tb.path.segments.last() else {
            continue;
        };
        if seg.ident != "TryInto" {
            continue;
        }
        if let syn::PathArguments::AngleBracketed(args) = &seg.arguments
            && let Some(syn::GenericArgument::Type(ty)) = args.args.first()
        {
            return Some(tokens(ty));
        }
    }
    None
}

/// Flattens a token stream into a list per group, calling `f` on every level.
fn scan_levels(stream: TokenStream, f: &mut dyn FnMut(&[TokenTree])) {
    let level: Vec<TokenTree> = stream.into_iter().collect();
    f(&level);
    for tt in &level {
        if let TokenTree::Group(g) = tt {
            scan_levels(g.stream(), f);
        }
    }
}

fn is_ident(tt: &TokenTree, name: &str) -> bool {
    matches!(tt, TokenTree::Ident(i) if i == name)
}

fn is_punct(tt: &TokenTree, ch: char) -> bool {
    matches!(tt, TokenTree::Punct(p) if p.as_char() == ch)
}

fn string_literal(tt: &TokenTree) -> Option<String> {
    let TokenTree::Literal(lit) = tt else {
        return None;
    };
    syn::parse_str::<syn::LitStr>(&lit.to_string())
        .ok()
        .map(|l| l.value())
}

/// Reads the `send` body of a builder: operation id, query parameters, path arguments.
fn scan_send(block: &syn::Block, builder: &mut Builder) {
    scan_levels(block.to_token_stream(), &mut |level| {
        for (i, tt) in level.iter().enumerate() {
            // operation_id: "..."
            if is_ident(tt, "operation_id")
                && level.get(i + 1).is_some_and(|t| is_punct(t, ':'))
                && let Some(id) = level.get(i + 2).and_then(string_literal)
            {
                builder.operation_id = id;
            }
            // QueryParam::new("wire", &var)
            if is_ident(tt, "QueryParam")
                && level.get(i + 3).is_some_and(|t| is_ident(t, "new"))
                && let Some(TokenTree::Group(g)) = level.get(i + 4)
                && g.delimiter() == Delimiter::Parenthesis
            {
                let args: Vec<TokenTree> = g.stream().into_iter().collect();
                if let (Some(name), Some(TokenTree::Ident(var))) =
                    (args.first().and_then(string_literal), args.get(3))
                {
                    builder.query.push((name, var.to_string()));
                }
            }
            // encode_path(&var.to_string())
            if is_ident(tt, "encode_path")
                && let Some(TokenTree::Group(g)) = level.get(i + 1)
            {
                let args: Vec<TokenTree> = g.stream().into_iter().collect();
                if let Some(TokenTree::Ident(var)) =
                    args.iter().find(|t| matches!(t, TokenTree::Ident(_)))
                {
                    builder.path_args.push(var.to_string());
                }
            }
        }
    });
}

fn parse_generated(source: &str) -> Result<Generated> {
    let file =
        syn::parse_file(source).map_err(|e| format!("the generated client does not parse: {e}"))?;
    let mut out = Generated::default();
    for item in &file.items {
        match item {
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && compact(&tokens(&imp.self_ty)) == "Client" =>
            {
                for it in &imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    if let syn::ReturnType::Type(_, ty) = &f.sig.output
                        && let syn::Type::Path(tp) = ty.as_ref()
                        && tp.path.segments.len() == 2
                        && tp.path.segments[0].ident == "builder"
                    {
                        out.client_methods.insert(
                            f.sig.ident.to_string(),
                            tp.path.segments[1].ident.to_string(),
                        );
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for it in m.content.iter().flat_map(|(_, items)| items) {
                    let syn::Item::Impl(imp) = it else { continue };
                    if imp.trait_.is_some() {
                        continue;
                    }
                    let syn::Type::Path(tp) = imp.self_ty.as_ref() else {
                        continue;
                    };
                    let Some(struct_name) = last_segment(&tp.path) else {
                        continue;
                    };
                    let mut builder = Builder::default();
                    for it in &imp.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        let name = f.sig.ident.to_string();
                        if name == "send" {
                            scan_send(&f.block, &mut builder);
                        } else if let Some(ty) = try_into_target(&f.sig) {
                            builder.setters.insert(name, ty);
                        }
                    }
                    if builder.operation_id.is_empty() {
                        return Err(format!(
                            "builder `{struct_name}` has no operation id in its `send`"
                        )
                        .into());
                    }
                    out.builder_ops
                        .insert(struct_name, builder.operation_id.clone());
                    out.builders.insert(builder.operation_id.clone(), builder);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Example values.

/// A small deterministic number derived from a name (FNV-1a), so that two parameters of one call
/// get different values and adding a field does not shift the others.
fn name_number(name: &str) -> i64 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    i64::from(h % 900) + 100
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn schema_type(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

fn as_usize(schema: &Value, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// Whether a scalar (or array-of-scalars) example fits its schema closely enough to deserialise
/// into the generated type. Objects are never taken from examples (they are synthesised).
fn example_fits(example: &Value, schema: &Value) -> bool {
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(example)
    {
        return false;
    }
    match (schema_type(schema), example) {
        (Some("string"), Value::String(s)) => {
            let len = s.chars().count();
            let format_ok = match schema.get("format").and_then(Value::as_str) {
                Some("uuid") => is_uuid(s),
                Some("date") => is_date(s),
                Some("date-time") => false,
                _ => true,
            };
            format_ok
                && as_usize(schema, "minLength").is_none_or(|m| len >= m)
                && as_usize(schema, "maxLength").is_none_or(|m| len <= m)
        }
        (Some("integer"), Value::Number(n)) => {
            let Some(v) = n.as_i64() else { return false };
            let in_format = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => i32::try_from(v).is_ok(),
                _ => true,
            };
            in_format
                && schema
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .is_none_or(|m| v as f64 >= m)
                && schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_none_or(|m| v as f64 <= m)
        }
        (Some("number"), Value::Number(_)) | (Some("boolean"), Value::Bool(_)) => true,
        (Some("array"), Value::Array(items)) => {
            let item_schema = schema.get("items").unwrap_or(&Value::Null);
            matches!(
                schema_type(item_schema),
                Some("string" | "integer" | "number" | "boolean")
            ) && items.iter().all(|i| example_fits(i, item_schema))
                && as_usize(schema, "minItems").is_none_or(|m| items.len() >= m)
                && as_usize(schema, "maxItems").is_none_or(|m| items.len() <= m)
        }
        _ => false,
    }
}

fn clamp_integer(v: i64, schema: &Value) -> i64 {
    let mut v = v;
    if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
        v = v.max(min);
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_i64) {
        v = v.min(max);
    }
    v
}

/// Builds example JSON from schemas of the normalised spec.
struct Synth<'a> {
    spec: &'a Value,
    /// Component schemas being built, to stop at recursion.
    stack: Vec<String>,
}

impl<'a> Synth<'a> {
    fn new(spec: &'a Value) -> Self {
        Self {
            spec,
            stack: Vec::new(),
        }
    }

    fn component(&self, reference: &str) -> Result<(&'a str, &'a Value)> {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("unsupported $ref `{reference}`"))?;
        let components = self
            .spec
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        let (key, schema) = components
            .and_then(|c| c.get_key_value(name))
            .ok_or_else(|| format!("$ref to a missing schema `{reference}`"))?;
        Ok((key.as_str(), schema))
    }

    /// An example value for `schema`, or `None` when none can be built (only recursion without an
    /// optional way out).
    fn value(&mut self, schema: &Value, name: &str) -> Result<Option<Value>> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let (key, target) = self.component(reference)?;
            if self.stack.iter().any(|s| s == key) {
                return Ok(None);
            }
            self.stack.push(key.to_string());
            let out = self.value(target, name);
            self.stack.pop();
            return out;
        }
        if let Some(example) = schema.get("example")
            && example_fits(example, schema)
        {
            return Ok(Some(example.clone()));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                for branch in branches {
                    if let Some(v) = self.value(branch, name)? {
                        return Ok(Some(v));
                    }
                }
                return Ok(None);
            }
        }
        if schema.get("allOf").is_some() {
            let mut merged = Map::new();
            let mut required = BTreeSet::new();
            let mut additional = None;
            if !self.merge_all_of(schema, &mut merged, &mut required, &mut additional)? {
                return Ok(None);
            }
            return self.object(&merged, &required, additional.as_ref(), schema);
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|v| v.iter().find(|v| !v.is_null()))
        {
            return Ok(Some(first.clone()));
        }
        let ty = schema_type(schema);
        Ok(Some(match ty {
            Some("string") => Value::String(self.string(schema, name)),
            Some("integer") => json!(clamp_integer(name_number(name), schema)),
            Some("number") => {
                let mut v = name_number(name) as f64 + 0.5;
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    v = v.max(min);
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                    v = v.min(max);
                }
                json!(v)
            }
            Some("boolean") => Value::Bool(true),
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or_else(|| json!({}));
                let min = as_usize(schema, "minItems").unwrap_or(0);
                let max = as_usize(schema, "maxItems").unwrap_or(usize::MAX);
                let count = min.max(1).min(max);
                if count == 0 {
                    return Ok(Some(json!([])));
                }
                match self.value(&items, name)? {
                    Some(item) => Value::Array(vec![item; count]),
                    None if min == 0 => json!([]),
                    None => return Ok(None),
                }
            }
            Some("object") | None
                if schema.get("properties").is_some()
                    || schema.get("additionalProperties").is_some()
                    || ty == Some("object") =>
            {
                let props = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let required = required_of(schema);
                return self.object(
                    &props,
                    &required,
                    schema.get("additionalProperties"),
                    schema,
                );
            }
            // A schema that says nothing (`{}`): any JSON value.
            None => Value::String(format!("example-{name}")),
            Some(other) => {
                return Err(
                    format!("cannot build an example of type `{other}` for `{name}`").into(),
                );
            }
        }))
    }

    fn string(&self, schema: &Value, name: &str) -> String {
        let mut s = match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => return UUID.to_string(),
            Some("date") => return "2024-05-17".to_string(),
            Some("date-time") => return DATE_TIME.to_string(),
            // The leniency pass drops `format: date-time` and says so in the description.
            _ if schema
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.contains("ISO 8601 date-time")) =>
            {
                DATE_TIME.to_string()
            }
            _ => format!("example-{name}"),
        };
        if let Some(max) = as_usize(schema, "maxLength") {
            s = s.chars().take(max).collect();
        }
        if let Some(min) = as_usize(schema, "minLength") {
            while s.chars().count() < min {
                s.push('x');
            }
        }
        s
    }

    /// Collects the properties, required names and additional properties of an `allOf`.
    fn merge_all_of(
        &mut self,
        schema: &Value,
        props: &mut Map<String, Value>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<Value>,
    ) -> Result<bool> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let (key, target) = self.component(reference)?;
            if self.stack.iter().any(|s| s == key) {
                return Ok(false);
            }
            self.stack.push(key.to_string());
            let ok = self.merge_all_of(target, props, required, additional);
            self.stack.pop();
            return ok;
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !self.merge_all_of(member, props, required, additional)? {
                return Ok(false);
            }
        }
        if let Some(own) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in own {
                props.insert(k.clone(), v.clone());
            }
        }
        required.extend(required_of(schema));
        if let Some(ap) = schema.get("additionalProperties") {
            *additional = Some(ap.clone());
        }
        Ok(true)
    }

    /// Every property (required ones must be buildable; optional read-only ones are left out), plus
    /// one extra entry where additional properties are kept.
    fn object(
        &mut self,
        props: &Map<String, Value>,
        required: &BTreeSet<String>,
        additional: Option<&Value>,
        schema: &Value,
    ) -> Result<Option<Value>> {
        let mut out = Map::new();
        for (key, prop) in props {
            let is_required = required.contains(key);
            if !is_required && prop.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            match self.value(prop, key)? {
                Some(v) => {
                    out.insert(key.clone(), v);
                }
                None if is_required => return Ok(None),
                None => {}
            }
        }
        match additional {
            Some(Value::Bool(true)) => {
                out.insert(
                    extra_key(props).into(),
                    Value::String("example-value".into()),
                );
            }
            Some(ap @ Value::Object(_)) => {
                let key = extra_key(props);
                if let Some(v) = self.value(ap, key)? {
                    out.insert(key.into(), v);
                }
            }
            _ => {}
        }
        if as_usize(schema, "minProperties").is_some_and(|m| out.len() < m) {
            return Err(format!("cannot satisfy minProperties for {schema}").into());
        }
        Ok(Some(Value::Object(out)))
    }
}

fn required_of(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// The key of the one extra entry of a map: a custom attribute next to documented properties, or
/// a key of a free-form map.
fn extra_key(props: &Map<String, Value>) -> &'static str {
    if props.is_empty() {
        "exampleKey"
    } else {
        "customAttribute"
    }
}

/// A parameter's example: the parameter's `example`, the schema's, or a synthesised value.
fn parameter_value(synth: &mut Synth<'_>, param: &Value) -> Result<Value> {
    let name = param["name"].as_str().unwrap_or_default();
    let schema = param
        .get("schema")
        .cloned()
        .unwrap_or_else(|| json!({"type": "string"}));
    if let Some(example) = param.get("example")
        && example_fits(example, &schema)
    {
        return Ok(example.clone());
    }
    synth
        .value(&schema, name)?
        .ok_or_else(|| format!("no example value for parameter `{name}`").into())
}

// ---------------------------------------------------------------------------------------------
// Rust expressions.

/// JSON as the tokens of a `serde_json::json!` invocation (strings as Rust literals).
fn json_tokens(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(json_tokens).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k:?}: {}", json_tokens(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn from_value(ty: &str, value: &Value, what: &str) -> String {
    format!(
        "serde_json::from_value::<{ty}>(serde_json::json!({})).expect({:?})",
        json_tokens(value),
        format!("the example {what} deserialises")
    )
}

/// A Rust expression of the setter's type `ty` for the example `value`.
fn parameter_expr(ty: &str, value: &Value, name: &str) -> String {
    let c = compact(ty);
    match (c.as_str(), value) {
        ("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64", Value::Number(n))
            if n.is_i64() || n.is_u64() =>
        {
            format!("{n}{c}")
        }
        ("::std::num::NonZeroU32" | "std::num::NonZeroU32", Value::Number(n))
            if n.as_u64().is_some_and(|v| v > 0) =>
        {
            format!("{n}u32")
        }
        ("::std::num::NonZeroU64" | "std::num::NonZeroU64", Value::Number(n))
            if n.as_u64().is_some_and(|v| v > 0) =>
        {
            format!("{n}u64")
        }
        ("f32" | "f64", Value::Number(n)) => format!("{:?}{c}", n.as_f64().unwrap_or_default()),
        ("bool", Value::Bool(b)) => b.to_string(),
        ("::std::string::String" | "String", Value::String(s)) => format!("{s:?}"),
        ("::uuid::Uuid" | "uuid::Uuid", Value::String(s)) => {
            format!("uuid::Uuid::parse_str({s:?}).expect(\"the example uuid parses\")")
        }
        (t, Value::String(s)) if t.starts_with("types::") => {
            format!("{ty}::try_from({s:?}).expect(\"a known value\")")
        }
        _ => from_value(ty, value, &format!("`{name}`")),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests.

struct Operation<'a> {
    path: &'a str,
    op: &'a Value,
}

fn operation_test(
    synth: &mut Synth<'_>,
    generated: &Generated,
    operation: &Operation<'_>,
) -> Result<String> {
    let op = operation.op;
    let id = op["operationId"]
        .as_str()
        .ok_or_else(|| format!("operation without an id at {}", operation.path))?;
    let builder = generated.builders.get(id).ok_or_else(|| {
        format!("`{id}`: no builder with this operation id in the generated client")
    })?;
    match generated.client_methods.get(id) {
        Some(struct_name)
            if generated.builder_ops.get(struct_name).map(String::as_str) == Some(id) => {}
        _ => {
            return Err(format!(
                "`{id}`: no `Client::{id}` returning its builder in the generated client"
            )
            .into());
        }
    }
    let template_params: Vec<&str> = operation
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .collect();
    if template_params.len() != builder.path_args.len() {
        return Err(format!(
            "`{id}`: the path has {} parameters, the generated URL {}",
            template_params.len(),
            builder.path_args.len()
        )
        .into());
    }
    let mut calls = String::new();
    let mut body = None;
    let mut used = BTreeSet::new();
    for param in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = param["name"].as_str().unwrap_or_default();
        let setter = match param["in"].as_str() {
            Some("path") => template_params
                .iter()
                .position(|p| *p == name)
                .map(|i| builder.path_args[i].clone()),
            Some("query") => builder
                .query
                .iter()
                .find(|(wire, _)| wire == name)
                .map(|(_, var)| var.clone()),
            other => {
                return Err(format!(
                    "`{id}`: parameter `{name}` in {other:?} is not supported by the wire tests"
                )
                .into());
            }
        }
        .ok_or_else(|| {
            format!("`{id}`: parameter `{name}` is not sent by the generated builder")
        })?;
        let ty = builder
            .setters
            .get(&setter)
            .ok_or_else(|| format!("`{id}`: builder has no setter `{setter}`"))?;
        let value = parameter_value(synth, param).map_err(|e| format!("`{id}`: {e}"))?;
        write!(calls, ".{setter}({})", parameter_expr(ty, &value, name))?;
        used.insert(setter);
    }
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        let (media, media_type) = content
            .iter()
            .next()
            .ok_or_else(|| format!("`{id}`: request body without a media type"))?;
        let ty = builder.setters.get("body").ok_or_else(|| {
            format!("`{id}`: the spec has a `{media}` body but the builder has no `body` setter")
        })?;
        let schema = media_type
            .get("schema")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let value = synth
            .value(&schema, "body")
            .map_err(|e| format!("`{id}`: {e}"))?
            .ok_or_else(|| format!("`{id}`: no example body can be built"))?;
        body = Some(from_value(ty, &value, "body"));
        calls.push_str(".body(body)");
        used.insert("body".to_string());
    }
    let unused: Vec<&String> = builder
        .setters
        .keys()
        .filter(|s| !used.contains(*s))
        .collect();
    if !unused.is_empty() {
        return Err(
            format!("`{id}`: builder setters {unused:?} match no parameter of the spec").into(),
        );
    }
    Ok(test_fn(
        id,
        body.as_deref(),
        &format!("recorder.client().{id}(){calls}.send().await"),
    ))
}

fn test_fn(id: &str, body: Option<&str>, call: &str) -> String {
    let body = body
        .map(|b| format!("    let body = {b};\n"))
        .unwrap_or_default();
    format!(
        "#[tokio::test]\nasync fn {id}() {{\n{body}    let recorder = wire::Recorder::start().await;\n    let result = {call};\n    let rendered = recorder.finish({id:?}, result.err()).await;\n    insta::assert_snapshot!({id:?}, rendered);\n}}\n\n"
    )
}

/// Hand-written operations (see `synerise-api/src/manual.rs`) have hand-written signatures.
fn manual_test(synth: &mut Synth<'_>, manual: &Value) -> Result<String> {
    let op = &manual["operation"];
    let id = op["operationId"].as_str().unwrap_or_default();
    match id {
        "upload_items" => {
            let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let catalog = params.iter().find(|p| p["name"] == "catalogId").ok_or("`upload_items`: no `catalogId` parameter")?;
            let catalog_id = parameter_value(synth, catalog)?;
            let form = op.pointer("/requestBody/content/multipart~1form-data/schema").ok_or("`upload_items`: no multipart body")?;
            let item_key = synth.value(form.pointer("/properties/itemKey").ok_or("`upload_items`: no `itemKey` field")?, "itemKey")?.unwrap_or_default();
            let item_key = item_key.as_str().ok_or("`upload_items`: `itemKey` is not a string")?;
            let csv = format!("{item_key},title\n{},Example item\n", name_number(item_key));
            Ok(test_fn(id, None, &format!("recorder.client().upload_items({}, {item_key:?}, \"items.csv\", {csv:?}).await", parameter_expr("i64", &catalog_id, "catalogId"))))
        }
        other => Err(format!("hand-written operation `{other}` has no wire test; teach xtask/src/wire_tests.rs how to call it").into()),
    }
}

/// Renders `tests/tests/wire_snapshots.rs` (formatted, with `header` on top).
pub fn render(normalised: &Value, generated_source: &str, header: &str) -> Result<String> {
    let generated = parse_generated(generated_source)?;
    let mut synth = Synth::new(normalised);
    let mut tests: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in normalised["paths"].as_object().ok_or("no paths")? {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                tests.insert(
                    id,
                    operation_test(&mut synth, &generated, &Operation { path, op })?,
                );
            }
        }
    }
    for manual in normalised
        .get("x-synerise-manual-operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = manual
            .pointer("/operation/operationId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        tests.insert(id, manual_test(&mut synth, manual)?);
    }
    let missing: Vec<&String> = generated
        .builders
        .keys()
        .filter(|id| !tests.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        return Err(
            format!("generated builders without an operation in the spec: {missing:?}").into(),
        );
    }
    let mut source = format!("{ALLOW}\n\nuse crate::wire;\nuse synerise_api::types;\n\n");
    for test in tests.values() {
        source.push_str(test);
    }
    let file = syn::parse_file(&source)
        .map_err(|e| format!("the rendered wire tests do not parse: {e}"))?;
    Ok(format!(
        "{header}{MODULE_DOC}{}",
        prettyplease::unparse(&file)
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn synth(spec: &Value, schema: Value) -> Option<Value> {
        Synth::new(spec).value(&schema, "field").expect("no error")
    }

    #[test]
    fn examples_are_used_only_when_they_fit() {
        let spec = json!({});
        assert_eq!(
            synth(&spec, json!({"type": "string", "example": "x"})),
            Some(json!("x"))
        );
        assert_eq!(
            synth(
                &spec,
                json!({"type": "string", "format": "uuid", "example": "nope"})
            ),
            Some(json!(UUID))
        );
        assert_eq!(
            synth(
                &spec,
                json!({"type": "integer", "maximum": 10, "example": 11})
            ),
            Some(json!(10))
        );
        assert_eq!(
            synth(&spec, json!({"type": "string", "enum": ["B", "A"]})),
            Some(json!("B"))
        );
        assert_eq!(
            synth(&spec, json!({"type": "string", "maxLength": 3})),
            Some(json!("exa"))
        );
    }

    #[test]
    fn recursion_stops_at_optional_properties() {
        let spec = json!({"components": {"schemas": {"Node": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "example": "FUNCTION"},
            "arg": {"$ref": "#/components/schemas/Node"},
        }}}}});
        assert_eq!(
            synth(&spec, json!({"$ref": "#/components/schemas/Node"})),
            Some(json!({"kind": "FUNCTION"}))
        );
    }

    #[test]
    fn all_of_merges_required_fields_and_maps_get_one_entry() {
        let spec = json!({"components": {"schemas": {"Base": {"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}}}}}});
        let schema = json!({"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"b": {"type": "integer", "minimum": 1000}}}]});
        assert_eq!(synth(&spec, schema), Some(json!({"a": true, "b": 1000})));
        assert_eq!(
            synth(
                &spec,
                json!({"type": "object", "additionalProperties": {"type": "integer", "maximum": 5}})
            ),
            Some(json!({"exampleKey": 5}))
        );
    }

    #[test]
    fn builders_are_read_from_the_generated_source() {
        let source = r#"
            impl Client { pub fn get_thing(&self) -> builder::GetThing<'_> { builder::GetThing::new(self) } }
            pub mod builder {
                impl<'a> GetThing<'a> {
                    pub fn thing_id<V>(mut self, value: V) -> Self where V: std::convert::TryInto<i64> { self }
                    pub fn filters_email<V>(mut self, value: V) -> Self where V: std::convert::TryInto<::std::string::String> { self }
                    pub async fn send(self) -> Result<(), ()> {
                        let url = format!("{}/things/{}", client.baseurl, encode_path(&thing_id.to_string()));
                        let request = client.client.get(url).query(&progenitor_client::QueryParam::new("filters[email]", &filters_email)).build()?;
                        let info = OperationInfo { operation_id: "get_thing" };
                    }
                }
            }
        "#;
        let generated = parse_generated(source).expect("parses");
        let builder = &generated.builders["get_thing"];
        assert_eq!(builder.path_args, ["thing_id"]);
        assert_eq!(
            builder.query,
            [("filters[email]".to_string(), "filters_email".to_string())]
        );
        assert_eq!(
            compact(&builder.setters["filters_email"]),
            "::std::string::String"
        );
        assert_eq!(generated.client_methods["get_thing"], "GetThing");
        assert_eq!(parameter_expr("i64", &json!(7), "x"), "7i64");
        assert_eq!(
            parameter_expr("types :: Kind", &json!("A"), "k"),
            "types :: Kind::try_from(\"A\").expect(\"a known value\")"
        );
    }
}
