//! The example queries over the Wuppertal fixtures: shown on the HTML form at `/sparql` and in the
//! README, and checked against the fixture answers by the tests.

/// Title and query of each example.
pub const EXAMPLES: [(&str, &str); 3] = [
    (
        "Datensätze je Thema / datasets per theme",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?theme ?label ?datasets
WHERE {
  {
    SELECT ?theme (COUNT(DISTINCT ?dataset) AS ?datasets)
    WHERE { ?dataset a dcat:Dataset ; dcat:theme ?theme }
    GROUP BY ?theme
  }
  OPTIONAL {
    SELECT DISTINCT ?theme ?label
    WHERE { ?theme skos:prefLabel ?label FILTER(LANG(?label) = \"de\") }
  }
}
ORDER BY DESC(?datasets) ?theme",
    ),
    (
        "Online-Dienste je OZG-Themenfeld mit Reifegrad ≥ 3 / online services per OZG field with maturity ≥ 3",
        "PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?themenfeld (COUNT(?row) AS ?dienste) (GROUP_CONCAT(?name; separator=\" | \") AS ?leistungen)
WHERE {
  ?table dct:source ?distribution .
  GRAPH ?table {
    ?col_feld rdfs:label \"ozg_themenfeld\" .
    ?col_reife rdfs:label \"reifegrad\" .
    ?col_name rdfs:label \"bezeichnung\" .
    ?row ?col_feld ?themenfeld ; ?col_reife ?reifegrad ; ?col_name ?name .
    FILTER(?reifegrad >= 3)
  }
}
GROUP BY ?themenfeld
ORDER BY DESC(?dienste) ?themenfeld",
    ),
    (
        "Projekte je Status mit Budget / projects per status with their budgets",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?status (COUNT(?row) AS ?projekte) (COUNT(?budget) AS ?mit_budget)
       (SUM(COALESCE(?budget, 0)) AS ?budget_eur)
WHERE {
  GRAPH ?table {
    ?col_status rdfs:label \"status\" .
    ?col_projekt rdfs:label \"projekt_id\" .
    ?row ?col_projekt ?projekt ; ?col_status ?status .
    OPTIONAL { ?col_budget rdfs:label \"budget_eur\" . ?row ?col_budget ?budget }
  }
}
GROUP BY ?status
ORDER BY ?status",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_shows_the_example_queries_verbatim() {
        let readme = include_str!("../../README.md");
        for (title, query) in EXAMPLES {
            assert!(
                readme.contains(query),
                "the README lacks the example `{title}`"
            );
        }
    }
}
