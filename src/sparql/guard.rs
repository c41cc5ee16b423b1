//! Bounds on a query's shape, so that no query text can exhaust a thread's stack.
//!
//! Oxigraph's parser, optimiser and evaluator are recursive: 1 000 nested `{ }`, 5 000 `!` or a
//! 20 000-step path overflow the stack and abort the whole process. Two checks keep every stage within
//! bounds, and every stage runs on a thread with a large stack of its own ([`STACK_BYTES`]):
//! - [`scan`] reads the text once, before the parser sees it, and refuses bracket nesting deeper than
//!   [`MAX_NESTING`], runs of prefix operators longer than [`MAX_NESTING`], and more than
//!   [`MAX_OPERATORS`] chaining operators (`UNION`, `OPTIONAL`, `MINUS`, `||`, `&&`, `/`, `|`, `^`, `!`):
//!   the parser then recurses at most a few hundred levels deep, and the tree it builds is bounded;
//! - [`check_depth`] walks the parsed algebra without recursion and refuses a tree deeper than
//!   [`MAX_DEPTH`] (a basic graph pattern counts as deep as it has triple patterns, since the
//!   optimiser turns it into a chain of joins), which bounds the optimiser, the evaluator and `Drop`.

use spargebra::Query;
use spargebra::algebra::{
    AggregateExpression, Expression, GraphPattern, OrderExpression, PropertyPathExpression,
};

/// Deepest bracket nesting (`{`, `(`, `[` together) and longest run of prefix operators accepted.
pub const MAX_NESTING: usize = 64;
/// Most chaining operators in one query text.
pub const MAX_OPERATORS: usize = 2_000;
/// Deepest algebra tree accepted after parsing.
pub const MAX_DEPTH: usize = 512;
/// Stack of the threads that parse and evaluate queries: far more than [`MAX_DEPTH`] levels of any
/// stage need. Only the pages a query touches are ever committed.
pub const STACK_BYTES: usize = 256 * 1024 * 1024;

/// Why a query's shape is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooComplex {
    /// Brackets nest too deeply.
    #[error("the query nests brackets more than {MAX_NESTING} deep (line {line})")]
    Nesting {
        /// The line where the limit was passed.
        line: usize,
    },
    /// Too many prefix operators in a row.
    #[error("the query has more than {MAX_NESTING} prefix operators in a row (line {line})")]
    Prefix {
        /// The line where the limit was passed.
        line: usize,
    },
    /// Too many chaining operators.
    #[error(
        "the query has more than {MAX_OPERATORS} UNION, OPTIONAL, MINUS, logical or path operators"
    )]
    Operators,
    /// The parsed query is too deep.
    #[error("the query's algebra is more than {MAX_DEPTH} levels deep; split it up")]
    Depth,
}

/// Reads the query text like SPARQL's tokenizer (strings, IRIs, comments and words are skipped as
/// wholes) and checks nesting, prefix-operator runs and the number of chaining operators.
pub fn scan(text: &str) -> Result<(), TooComplex> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut depth = 0_usize;
    let mut operators = 0_usize;
    // Prefix operators (`!`, `^`, unary `-`/`+`) since the last operand.
    let mut prefix_run = 0_usize;
    let operator = |count: &mut usize| {
        *count += 1;
        if *count > MAX_OPERATORS {
            Err(TooComplex::Operators)
        } else {
            Ok(())
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' | b'\'' => {
                let long = bytes.get(i + 1) == Some(&b) && bytes.get(i + 2) == Some(&b);
                i += if long { 3 } else { 1 };
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'\n' => {
                            line += 1;
                            i += 1;
                        }
                        c if c == b
                            && (!long
                                || (bytes.get(i + 1) == Some(&b)
                                    && bytes.get(i + 2) == Some(&b))) =>
                        {
                            i += if long { 3 } else { 1 };
                            break;
                        }
                        _ => i += 1,
                    }
                }
                prefix_run = 0;
            }
            b'<' => {
                // An IRI reference when a `>` follows before any character IRIs cannot hold; else the
                // operator `<` or `<=`.
                let mut j = i + 1;
                while j < bytes.len()
                    && !matches!(
                        bytes[j],
                        b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\'
                    )
                    && bytes[j] > b' '
                {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'>') {
                    // Where `<` is a comparison the parser reads `<((…))>` as brackets, not as an
                    // IRI: brackets inside count all the same (a real IRI's balance out).
                    for &c in &bytes[i + 1..j] {
                        match c {
                            b'(' | b'[' => {
                                depth += 1;
                                if depth > MAX_NESTING {
                                    return Err(TooComplex::Nesting { line });
                                }
                            }
                            b')' | b']' => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                    }
                    i = j + 1;
                    prefix_run = 0;
                } else {
                    i += 1;
                }
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(TooComplex::Nesting { line });
                }
                i += 1;
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                prefix_run = 0;
                i += 1;
            }
            b'|' | b'&' => {
                operator(&mut operators)?;
                i += if bytes.get(i + 1) == Some(&b) { 2 } else { 1 };
            }
            b'/' => {
                operator(&mut operators)?;
                i += 1;
            }
            // `^^` introduces a literal's datatype; `!=` compares.
            b'^' if bytes.get(i + 1) == Some(&b'^') => i += 2,
            b'!' if bytes.get(i + 1) == Some(&b'=') => i += 2,
            b'!' | b'^' => {
                operator(&mut operators)?;
                prefix_run += 1;
                if prefix_run > MAX_NESTING {
                    return Err(TooComplex::Prefix { line });
                }
                i += 1;
            }
            b'-' | b'+' => {
                prefix_run += 1;
                if prefix_run > MAX_NESTING {
                    return Err(TooComplex::Prefix { line });
                }
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'?' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'-' | b':' | b'.' | b'%' | b'?' | b'$')
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &bytes[start..i];
                if [&b"UNION"[..], b"OPTIONAL", b"MINUS"]
                    .iter()
                    .any(|keyword| word.eq_ignore_ascii_case(keyword))
                {
                    operator(&mut operators)?;
                } else {
                    prefix_run = 0;
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Runs `$on_operand` for each operand of an expression (bound to the given name) and
/// `$on_pattern` for the pattern of an `EXISTS`; works on `&Expression` and `&mut Expression` alike.
/// The one list of expression variants for the walker here and the rewrite in `query.rs`.
macro_rules! for_each_operand {
    ($expression:expr, |$operand:ident| $on_operand:expr, |$pattern:ident| $on_pattern:expr) => {
        match $expression {
            Expression::Exists($pattern) => $on_pattern,
            Expression::Or(a, b)
            | Expression::And(a, b)
            | Expression::Equal(a, b)
            | Expression::SameTerm(a, b)
            | Expression::Greater(a, b)
            | Expression::GreaterOrEqual(a, b)
            | Expression::Less(a, b)
            | Expression::LessOrEqual(a, b)
            | Expression::Add(a, b)
            | Expression::Subtract(a, b)
            | Expression::Multiply(a, b)
            | Expression::Divide(a, b) => {
                for $operand in [a, b] {
                    $on_operand;
                }
            }
            Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
                let $operand = a;
                $on_operand;
            }
            Expression::If(a, b, c) => {
                for $operand in [a, b, c] {
                    $on_operand;
                }
            }
            Expression::In(a, list) => {
                {
                    let $operand = a;
                    $on_operand;
                }
                for $operand in list {
                    $on_operand;
                }
            }
            Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
                for $operand in list {
                    $on_operand;
                }
            }
            Expression::NamedNode(_)
            | Expression::Literal(_)
            | Expression::Variable(_)
            | Expression::Bound(_) => {}
        }
    };
}
pub(crate) use for_each_operand;

/// A node of the parsed query, for the iterative walk.
enum Node<'a> {
    Pattern(&'a GraphPattern),
    Expression(&'a Expression),
    Path(&'a PropertyPathExpression),
}

/// Refuses a parsed query whose algebra is deeper than [`MAX_DEPTH`]; walks with a heap stack.
pub fn check_depth(query: &Query) -> Result<(), TooComplex> {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Ask { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. } => pattern,
    };
    let too_deep = walk(pattern, |node, depth| {
        let depth = match node {
            Node::Pattern(GraphPattern::Bgp { patterns }) => depth + patterns.len(),
            _ => depth,
        };
        (depth > MAX_DEPTH).then_some(())
    });
    match too_deep {
        Some(()) => Err(TooComplex::Depth),
        None => Ok(()),
    }
}

/// Most joins (triple patterns, group joins, OPTIONALs, path steps) a query may have for Oxigraph's
/// optimiser to plan it. Planning costs grow with about the fourth power of this number and cannot be
/// cancelled (100 joins took 5 s in a debug build); a larger query is evaluated as written instead,
/// which the timeout stops like any other evaluation.
pub const MAX_PLANNED_JOINS: usize = 48;

/// How many joins the optimiser would have to order: triple patterns, joins of groups, OPTIONALs
/// (left joins), lateral joins and steps of property-path sequences.
pub fn joins(query: &Query) -> usize {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Ask { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. } => pattern,
    };
    let mut joins = 0;
    walk::<()>(pattern, |node, _| {
        joins += match node {
            Node::Pattern(GraphPattern::Bgp { patterns }) => patterns.len(),
            Node::Pattern(
                GraphPattern::Join { .. }
                | GraphPattern::LeftJoin { .. }
                | GraphPattern::Lateral { .. },
            )
            | Node::Path(PropertyPathExpression::Sequence(..)) => 1,
            _ => 0,
        };
        None
    });
    joins
}

/// The first `SERVICE` target anywhere in a pattern: in sub-patterns, `EXISTS` filters, `BIND`,
/// `ORDER BY`, `GROUP BY`/`HAVING` and aggregate expressions. Walks with a heap stack.
pub fn find_service(pattern: &GraphPattern) -> Option<String> {
    walk(pattern, |node, _| match node {
        Node::Pattern(GraphPattern::Service { name, .. }) => Some(name.to_string()),
        _ => None,
    })
}

/// Visits every pattern, expression and path below `pattern` with its depth (the root is 1), without
/// recursion; stops at the first `Some` the visitor returns.
fn walk<'a, B>(
    pattern: &'a GraphPattern,
    mut visit: impl FnMut(&Node<'a>, usize) -> Option<B>,
) -> Option<B> {
    let mut stack = vec![(Node::Pattern(pattern), 1_usize)];
    while let Some((node, depth)) = stack.pop() {
        if let Some(found) = visit(&node, depth) {
            return Some(found);
        }
        let next = depth + 1;
        match node {
            Node::Pattern(pattern) => match pattern {
                // Triple patterns and values hold terms only: nothing to walk below them.
                GraphPattern::Bgp { .. } | GraphPattern::Values { .. } => {}
                GraphPattern::Path { path, .. } => stack.push((Node::Path(path), next)),
                GraphPattern::Join { left, right }
                | GraphPattern::Lateral { left, right }
                | GraphPattern::Union { left, right }
                | GraphPattern::Minus { left, right } => {
                    stack.push((Node::Pattern(left), next));
                    stack.push((Node::Pattern(right), next));
                }
                GraphPattern::LeftJoin {
                    left,
                    right,
                    expression,
                } => {
                    stack.push((Node::Pattern(left), next));
                    stack.push((Node::Pattern(right), next));
                    if let Some(expression) = expression {
                        stack.push((Node::Expression(expression), next));
                    }
                }
                GraphPattern::Filter { expr, inner } => {
                    stack.push((Node::Expression(expr), next));
                    stack.push((Node::Pattern(inner), next));
                }
                GraphPattern::Extend {
                    inner, expression, ..
                } => {
                    stack.push((Node::Expression(expression), next));
                    stack.push((Node::Pattern(inner), next));
                }
                GraphPattern::OrderBy { inner, expression } => {
                    for order in expression {
                        let (OrderExpression::Asc(e) | OrderExpression::Desc(e)) = order;
                        stack.push((Node::Expression(e), next));
                    }
                    stack.push((Node::Pattern(inner), next));
                }
                GraphPattern::Group {
                    inner, aggregates, ..
                } => {
                    for (_, aggregate) in aggregates {
                        if let AggregateExpression::FunctionCall { expr, .. } = aggregate {
                            stack.push((Node::Expression(expr), next));
                        }
                    }
                    stack.push((Node::Pattern(inner), next));
                }
                GraphPattern::Service { inner, .. }
                | GraphPattern::Graph { inner, .. }
                | GraphPattern::Project { inner, .. }
                | GraphPattern::Distinct { inner }
                | GraphPattern::Reduced { inner }
                | GraphPattern::Slice { inner, .. } => stack.push((Node::Pattern(inner), next)),
            },
            Node::Expression(expression) => for_each_operand!(
                expression,
                |operand| stack.push((Node::Expression(operand), next)),
                |pattern| stack.push((Node::Pattern(pattern), next))
            ),
            Node::Path(path) => match path {
                PropertyPathExpression::NamedNode(_)
                | PropertyPathExpression::NegatedPropertySet(_) => {}
                PropertyPathExpression::Reverse(p)
                | PropertyPathExpression::ZeroOrMore(p)
                | PropertyPathExpression::OneOrMore(p)
                | PropertyPathExpression::ZeroOrOne(p) => stack.push((Node::Path(p), next)),
                PropertyPathExpression::Sequence(a, b)
                | PropertyPathExpression::Alternative(a, b) => {
                    stack.push((Node::Path(a), next));
                    stack.push((Node::Path(b), next));
                }
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_queries_pass_the_scan() {
        for query in [
            "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > -1 || !BOUND(?x)) }",
            "SELECT * { ?s <http://x/a>/<http://x/b>|^<http://x/c> ?o } # { { { ( ( ( comment",
            "SELECT * { ?s ?p \"{{{{((((\" . ?s ?p '''[[[[\n]]''' }",
            "PREFIX ex: <http://ex.org/a-b#> SELECT ?a-b { ?a-b ex:x-y ?c } ORDER BY DESC(?c)",
            "SELECT * { ?s ?p ?o FILTER(?o != 1 && ?o <= 2 && STR(?o) != \"<{\") }",
            &format!(
                "SELECT * {{ VALUES ?v {{ {} }} }}",
                "\"1\"^^<http://www.w3.org/2001/XMLSchema#integer> ".repeat(5000)
            ),
        ] {
            assert_eq!(scan(query), Ok(()), "{query}");
        }
    }

    #[test]
    fn deep_nesting_and_long_chains_are_refused_by_the_scan() {
        let braces = format!("ASK {}{}", "{".repeat(1000), "}".repeat(1000));
        assert!(matches!(
            scan(&braces),
            Err(TooComplex::Nesting { line: 1 })
        ));
        let parens = format!(
            "ASK {{ FILTER({}1{}) }}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert!(matches!(scan(&parens), Err(TooComplex::Nesting { .. })));
        let nots = format!("ASK {{ FILTER({}true) }}", "!".repeat(5000));
        assert!(matches!(scan(&nots), Err(TooComplex::Prefix { .. })));
        let minus = format!("ASK {{ FILTER({}1 = 1) }}", "- ".repeat(500));
        assert!(matches!(scan(&minus), Err(TooComplex::Prefix { .. })));
        let ors = format!("ASK {{ FILTER({}) }}", vec!["true"; 10_000].join(" || "));
        assert_eq!(scan(&ors), Err(TooComplex::Operators));
        let path = format!("ASK {{ ?s {} ?o }}", vec!["<http://x/p>"; 20_000].join("/"));
        assert_eq!(scan(&path), Err(TooComplex::Operators));
        // Brackets hidden between a less-than and a greater-than look like an IRI to a tokenizer.
        let hidden = format!(
            "ASK {{ FILTER(1 <{}1{}> 2) }}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert!(matches!(scan(&hidden), Err(TooComplex::Nesting { .. })));
        assert_eq!(scan("SELECT * { <http://x/Foo_(bar)> ?p ?o }"), Ok(()));
        let unions = format!("ASK {{ {} }}", vec!["{ ?s ?p ?o }"; 3000].join(" UNION "));
        assert_eq!(scan(&unions), Err(TooComplex::Operators));
    }

    fn parse(text: &str) -> Query {
        spargebra::SparqlParser::new()
            .parse_query(text)
            .expect("parses")
    }

    #[test]
    fn the_depth_check_counts_joins_unions_and_triple_patterns() {
        assert_eq!(check_depth(&parse("SELECT * { ?s ?p ?o }")), Ok(()));
        let unions = format!("ASK {{ {} }}", vec!["{ ?s ?p ?o }"; 1000].join(" UNION "));
        assert_eq!(check_depth(&parse(&unions)), Err(TooComplex::Depth));
        let triples = format!(
            "ASK {{ {} }}",
            (0..1000)
                .map(|i| format!("?s{i} ?p ?o ."))
                .collect::<String>()
        );
        assert_eq!(check_depth(&parse(&triples)), Err(TooComplex::Depth));
        let some = format!("ASK {{ {} }}", vec!["{ ?s ?p ?o }"; 100].join(" UNION "));
        assert_eq!(check_depth(&parse(&some)), Ok(()));
    }

    #[test]
    fn joins_count_what_the_optimiser_orders() {
        assert_eq!(joins(&parse("SELECT * { ?s ?p ?o }")), 1);
        assert_eq!(joins(&parse("SELECT * { ?s ?p ?o . ?o ?q ?r }")), 2);
        // A triple pattern, the OPTIONAL, the path's two sequence steps (and any join the parser
        // puts around the path).
        let with_path = joins(&parse(
            "SELECT * { ?s ?p ?o OPTIONAL { ?o <http://x/a>/<http://x/b>/<http://x/c> ?r } }",
        ));
        assert!((4..=5).contains(&with_path), "{with_path}");
        let optionals = (0..60)
            .map(|i| format!("OPTIONAL {{ ?s <http://x/p{i}> ?o{i} }} "))
            .collect::<String>();
        assert!(joins(&parse(&format!("SELECT * {{ ?s ?p ?o {optionals} }}"))) > MAX_PLANNED_JOINS);
    }
}
