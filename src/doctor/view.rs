//! What doctor knows about the image a service runs, from the best source available:
//! the local image through the Engine, else the service's Dockerfile, else the name of a
//! plain base image. Unknown stays unknown.

use super::dockerfile::HealthSpec;
use super::images;
use super::input::DoctorInput;

/// Where the facts come from (said in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The local image, inspected through the Engine.
    LocalImage,
    /// The service's Dockerfile (and what its base image is known to ship).
    Dockerfile,
    /// Only the image name (a plain base image whose content is well known).
    ImageName,
    /// Nothing known.
    Unknown,
}

/// A health check declared by the image (or its Dockerfile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHealth {
    pub test: Vec<String>,
    pub start_period: bool,
    /// The Dockerfile and line, when it comes from one.
    pub file: Option<String>,
    pub line: Option<usize>,
}

/// The facts about one service's image.
#[derive(Debug, Clone)]
pub struct ImageView {
    pub image: Option<String>,
    pub source: Source,
    /// Some(Some(hc)): the image declares a health check; Some(None): it declares none;
    /// None: unknown.
    pub healthcheck: Option<Option<ImageHealth>>,
    /// The user the image runs as (`""` = root); None when unknown.
    pub user: Option<String>,
    /// Base image of the Dockerfile (for messages), if built.
    pub base: Option<String>,
    programs: ProgramFacts,
}

#[derive(Debug, Clone)]
enum ProgramFacts {
    Local(std::collections::BTreeMap<String, bool>),
    Static {
        family_image: String,
        installed: Vec<String>,
    },
    Unknown,
}

impl ImageView {
    /// Whether `program` exists in the image (None: not known).
    pub fn has(&self, program: &str) -> Option<bool> {
        match &self.programs {
            ProgramFacts::Local(m) => m.get(program).copied(),
            ProgramFacts::Static {
                family_image,
                installed,
            } => {
                let base = program.rsplit('/').next().unwrap_or(program);
                if installed
                    .iter()
                    .any(|p| images::package_programs(p).contains(&base))
                {
                    return Some(true);
                }
                images::family(family_image)
                    .and_then(|f| images::family_has(f, program, family_image))
            }
            ProgramFacts::Unknown => None,
        }
    }
}

/// Build the view for service `name`.
pub fn image_view(input: &DoctorInput, name: &str) -> ImageView {
    let image = input.service_image(name);
    if let (Some(img), Some(f)) = (&image, input.engine.facts())
        && let Some(Some(local)) = f.images.get(img)
    {
        return ImageView {
            image: image.clone(),
            source: Source::LocalImage,
            healthcheck: Some(local.healthcheck.as_ref().map(|t| ImageHealth {
                test: t.clone(),
                start_period: local.healthcheck_start_period,
                file: None,
                line: None,
            })),
            user: Some(local.user.clone()),
            base: None,
            programs: ProgramFacts::Local(local.programs.clone()),
        };
    }
    if let Some(Some(Ok(stage))) = input.builds.get(name).map(|b| &b.stage) {
        let dockerfile = input
            .builds
            .get(name)
            .map(|b| b.dockerfile.display().to_string());
        let plain = images::family(&stage.base).is_some();
        let healthcheck = match &stage.healthcheck {
            Some(HealthSpec::Test {
                test,
                start_period,
                line,
            }) => Some(Some(ImageHealth {
                test: test.clone(),
                start_period: *start_period,
                file: dockerfile,
                line: Some(*line),
            })),
            Some(HealthSpec::Disabled) => Some(None),
            None if plain => Some(None),
            None => None,
        };
        let user = match &stage.user {
            Some(u) => Some(u.clone()),
            None if plain => Some(String::new()),
            None => None,
        };
        return ImageView {
            image,
            source: Source::Dockerfile,
            healthcheck,
            user,
            base: Some(stage.base.clone()),
            programs: ProgramFacts::Static {
                family_image: stage.base.clone(),
                installed: stage.packages.iter().cloned().collect(),
            },
        };
    }
    match &image {
        Some(img) if images::family(img).is_some() && !input.builds.contains_key(name) => {
            ImageView {
                image: image.clone(),
                source: Source::ImageName,
                healthcheck: Some(None),
                user: Some(String::new()),
                base: None,
                programs: ProgramFacts::Static {
                    family_image: img.clone(),
                    installed: Vec::new(),
                },
            }
        }
        _ => ImageView {
            image,
            source: Source::Unknown,
            healthcheck: None,
            user: None,
            base: None,
            programs: ProgramFacts::Unknown,
        },
    }
}
