//! Matching a request (method + path) against the operation table.

use std::sync::OnceLock;

use crate::operations::{OPERATIONS, Operation};
use crate::util::percent_decode;

#[derive(Debug)]
enum Seg {
    Literal(&'static str),
    Param(&'static str),
}

fn compiled() -> &'static Vec<Vec<Seg>> {
    static COMPILED: OnceLock<Vec<Vec<Seg>>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        OPERATIONS
            .iter()
            .map(|op| {
                op.path
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') && s.len() > 2 {
                            Seg::Param(&s[1..s.len() - 1])
                        } else {
                            Seg::Literal(s)
                        }
                    })
                    .collect()
            })
            .collect()
    })
}

/// A request matched to an operation.
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    /// Index into [`OPERATIONS`].
    pub index: usize,
    /// The operation.
    pub op: &'static Operation,
    /// Decoded path parameters.
    pub params: Vec<(&'static str, String)>,
}

impl Matched {
    /// A path parameter by name.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Finds the operation for `method` + `path`. When several templates match, the one with a
/// literal segment at the first position where they differ wins (`/v4/clients/batch` beats
/// `/v4/clients/{clientId}`).
pub(crate) fn match_request(method: &str, path: &str) -> Option<Matched> {
    let segments: Vec<String> = path.split('/').map(|s| percent_decode(s, false)).collect();
    let mut best: Option<(usize, Vec<bool>)> = None;
    for (index, template) in compiled().iter().enumerate() {
        if OPERATIONS[index].method != method || template.len() != segments.len() {
            continue;
        }
        let mut score = Vec::with_capacity(template.len());
        let ok = template.iter().zip(&segments).all(|(t, s)| match t {
            Seg::Literal(l) => {
                score.push(true);
                *l == s
            }
            Seg::Param(_) => {
                score.push(false);
                !s.is_empty()
            }
        });
        if !ok {
            continue;
        }
        let better = match &best {
            None => true,
            Some((_, best_score)) => score > *best_score,
        };
        if better {
            best = Some((index, score));
        }
    }
    let (index, _) = best?;
    let params = compiled()[index]
        .iter()
        .zip(segments)
        .filter_map(|(t, s)| match t {
            Seg::Param(name) => Some((*name, s)),
            Seg::Literal(_) => None,
        })
        .collect();
    Some(Matched {
        index,
        op: &OPERATIONS[index],
        params,
    })
}

/// Finds an operation by method and either its exact path template or a concrete path.
pub(crate) fn find_operation(method: &str, path: &str) -> Option<usize> {
    let method = method.to_ascii_uppercase();
    OPERATIONS
        .iter()
        .position(|op| op.method == method && op.path == path)
        .or_else(|| match_request(&method, path).map(|m| m.index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(method: &str, path: &str) -> Option<&'static str> {
        match_request(method, path).map(|m| m.op.path)
    }

    #[test]
    fn literal_segments_win() {
        assert_eq!(id("POST", "/v4/clients/batch"), Some("/v4/clients/batch"));
        assert_eq!(id("POST", "/v4/clients/12"), Some("/v4/clients/{clientId}"));
        assert_eq!(id("GET", "/v4/clients/tags"), Some("/v4/clients/tags"));
        assert_eq!(
            id("GET", "/v4/clients/by-email/a@b.c"),
            Some("/v4/clients/{identifierType}/{identifierValue}")
        );
        assert_eq!(
            id("GET", "/v4/clients/12/tags"),
            Some("/v4/clients/{clientId}/tags")
        );
        assert_eq!(
            id("POST", "/v4/clients/by-customid/x"),
            Some("/v4/clients/by-customid/{customId}")
        );
        assert_eq!(
            id("GET", "/uauth/business-profile/"),
            Some("/uauth/business-profile/")
        );
        assert_eq!(id("GET", "/uauth/business-profile"), None);
        assert_eq!(id("PATCH", "/v4/clients"), None);
        assert_eq!(id("GET", "/nope"), None);
    }

    #[test]
    fn params_are_decoded() {
        let m = match_request("POST", "/v4/clients/by-email/a%40b.c").unwrap();
        assert_eq!(m.param("clientEmail"), "a@b.c");
    }

    #[test]
    fn every_template_matches_itself() {
        for (i, op) in OPERATIONS.iter().enumerate() {
            assert_eq!(find_operation(op.method, op.path), Some(i), "{}", op.path);
        }
    }
}
