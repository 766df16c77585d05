//! Model name → the route that serves it, and that route's targets for one request: its
//! groups (a single `provider/model` is a group of one) ordered by [`crate::balance`].

use crate::balance::config::TargetConfig;
use crate::balance::{self, Group, Member, Members, Settings};
use crate::config::RouteConfig;
use crate::upstream::Provider;
use aigw_governance::Scope;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// One upstream a request may go to: a provider, the model name it is given, the key, and
/// the member whose health it counts for.
#[derive(Clone, Debug)]
pub struct Target {
    pub provider: Arc<Provider>,
    pub model: String,
    /// Index into the provider's keys.
    pub key: usize,
    pub member: Arc<Member>,
    /// Tried although its member is out: every member was (`when_all_open = "soonest"`).
    pub forced: bool,
}

impl Target {
    pub fn new(member: Arc<Member>, requested: &str, forced: bool) -> Target {
        Target {
            provider: member.provider.clone(),
            model: if member.model == "*" {
                requested.to_owned()
            } else {
                member.model.clone()
            },
            key: member.key,
            member,
            forced,
        }
    }
}

#[derive(Debug)]
enum Match {
    Exact(Vec<String>),
    Prefix(String),
}

#[derive(Debug)]
struct Route {
    /// The model, or the prefix and `*`.
    name: String,
    matches: Match,
    groups: Vec<Group>,
    /// The route's own limits, counted under `route:<name>`.
    limits: Option<Scope>,
}

/// The routing table.
#[derive(Debug)]
pub struct Routes {
    routes: Vec<Route>,
    providers: BTreeMap<String, Arc<Provider>>,
    members: Members,
}

impl Routes {
    pub fn new(
        configs: &[RouteConfig],
        providers: &BTreeMap<String, Arc<Provider>>,
        settings: Settings,
    ) -> Result<Routes, String> {
        let mut members = Members::new(settings);
        let mut routes = Vec::new();
        for (i, config) in configs.iter().enumerate() {
            let (what, name, matches) = match (&config.model, &config.prefix) {
                (Some(model), None) => {
                    let mut names = vec![model.clone()];
                    names.extend(config.aliases.iter().cloned());
                    (
                        format!("route {model:?}"),
                        model.clone(),
                        Match::Exact(names),
                    )
                }
                (None, Some(prefix)) => (
                    format!("route prefix {prefix:?}"),
                    format!("{prefix}*"),
                    Match::Prefix(prefix.clone()),
                ),
                _ => {
                    return Err(format!(
                        "routes[{i}]: give exactly one of `model` or `prefix`"
                    ));
                }
            };
            if config.prefix.is_some() && !config.aliases.is_empty() {
                return Err(format!("{what}: `aliases` go with `model`, not `prefix`"));
            }
            if config.targets.is_empty() {
                return Err(format!("routes[{i}].targets: empty ({what})"));
            }
            let target = |here: &str, text: &str| {
                parse_target(text, providers).map_err(|e| format!("{here}: {e} ({what})"))
            };
            let mut groups = Vec::new();
            for (j, entry) in config.targets.iter().enumerate() {
                let here = format!("routes[{i}].targets[{j}]");
                groups.push(match entry {
                    TargetConfig::One(text) => {
                        let (provider, model) = target(&here, text)?;
                        Group::single(provider, &model, &mut members)
                    }
                    TargetConfig::Group(group) => Group::new(&here, group, target, &mut members)
                        .map_err(|e| {
                            if e.ends_with(')') {
                                e
                            } else {
                                format!("{e} ({what})")
                            }
                        })?,
                });
            }
            let limits = match &config.limits {
                Some(limits) => {
                    limits.validate().map_err(|e| format!("{what}: {e}"))?;
                    Some(Scope {
                        name: format!("route:{name}"),
                        limits: limits.clone(),
                        budget: None,
                    })
                }
                None => None,
            };
            routes.push(Route {
                name,
                matches,
                groups,
                limits,
            });
        }
        Ok(Routes {
            routes,
            providers: providers.clone(),
            members,
        })
    }

    /// [`Routes::plan`], empty when there is no route.
    pub fn resolve(&self, model: &str) -> Vec<Target> {
        self.plan(model).unwrap_or_default()
    }

    /// The targets for `model`, in the order to try them: the first route whose name, alias
    /// or prefix matches; else `provider/model` for a configured provider. `None`: no route;
    /// empty: every member is out and `when_all_open = "fail"`.
    pub fn plan(&self, model: &str) -> Option<Vec<Target>> {
        if let Some(route) = self.route(model) {
            return Some(balance::plan(&route.groups, model, &self.members.settings));
        }
        let (provider, rest) = self.direct(model)?;
        Some(balance::direct(provider, rest, &self.members))
    }

    fn direct<'m>(&self, model: &'m str) -> Option<(&Arc<Provider>, &'m str)> {
        let (name, rest) = model.split_once('/')?;
        let provider = self.providers.get(name)?;
        (!rest.is_empty()).then_some((provider, rest))
    }

    /// Every `provider/model` that may serve `model`, whatever their health.
    pub fn candidates(&self, model: &str) -> Vec<(String, String)> {
        if let Some(route) = self.route(model) {
            let mut out: Vec<(String, String)> = Vec::new();
            for slot in route.groups.iter().flat_map(|g| &g.slots) {
                let m = &slot.member;
                let model = if m.model == "*" { model } else { &m.model };
                let pair = (m.provider.name.clone(), model.to_owned());
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
            return out;
        }
        self.direct(model)
            .map(|(p, rest)| vec![(p.name.clone(), rest.to_owned())])
            .unwrap_or_default()
    }

    fn route(&self, model: &str) -> Option<&Route> {
        self.routes.iter().find(|route| match &route.matches {
            Match::Exact(names) => names.iter().any(|n| n == model),
            Match::Prefix(prefix) => model.starts_with(prefix.as_str()),
        })
    }

    /// The limits of the route `model` takes, if it has any.
    pub fn limits(&self, model: &str) -> Option<&Scope> {
        self.route(model)?.limits.as_ref()
    }

    /// The model names clients can use, with the provider of each one's first target:
    /// exact names and aliases (prefix routes and `provider/model` are open-ended).
    pub fn models(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for route in &self.routes {
            if let Match::Exact(names) = &route.matches {
                let owner = route
                    .groups
                    .first()
                    .and_then(|g| g.slots.first())
                    .map(|s| s.member.provider.name.clone())
                    .unwrap_or_default();
                out.extend(names.iter().map(|n| (n.clone(), owner.clone())));
            }
        }
        out
    }

    /// Every member a route names (for `/metrics`).
    pub fn members(&self) -> impl Iterator<Item = &Arc<Member>> {
        self.members.all()
    }

    /// Each route's groups and their members' health (`GET /admin/health`).
    pub fn health(&self) -> serde_json::Value {
        let now = Instant::now();
        let routes: Vec<serde_json::Value> = self
            .routes
            .iter()
            .map(|route| {
                let groups: Vec<serde_json::Value> = route
                    .groups
                    .iter()
                    .map(|g| balance::group_json(g, now))
                    .collect();
                serde_json::json!({"route": route.name, "groups": groups})
            })
            .collect();
        serde_json::json!({
            "object": "health",
            "scope": "this replica",
            "when_all_open": self.members.settings.when_all_open,
            "routes": routes,
        })
    }
}

/// `provider/model` → the provider and the model.
fn parse_target(
    text: &str,
    providers: &BTreeMap<String, Arc<Provider>>,
) -> Result<(Arc<Provider>, String), String> {
    let (provider, model) = text
        .split_once('/')
        .ok_or_else(|| format!("target {text:?} is not `provider/model`"))?;
    let provider = providers
        .get(provider)
        .ok_or_else(|| format!("target {text:?} names no configured provider"))?;
    if model.is_empty() {
        return Err(format!("target {text:?} has no model"));
    }
    Ok((provider.clone(), model.to_owned()))
}
