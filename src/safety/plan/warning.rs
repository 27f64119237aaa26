//! The plan's warnings and their text.

use serde::Serialize;

use crate::engine::volumes::LABEL_PROJECT;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Warning {
    /// Declared external, yet labelled as this project's: `docker compose -p NAME down -v`
    /// without the file deletes it.
    ExternalWithProjectLabels { volume: String },
    /// Listed in `devctl.yaml` `protected_volumes` and in the plan.
    Protected { volume: String },
    /// Labelled as a volume of another Compose project (two projects share its `name:`).
    LabelledByOtherProject { volume: String, project: String },
    /// Mounted by a container of another project (or of none).
    UsedByOtherProject {
        volume: String,
        container: String,
        project: Option<String>,
    },
    /// Named on the command line but not a volume of this project.
    NotInProject { volume: String },
    /// No compose file: the plan comes from the Engine's labels alone.
    LabelMode { project: String },
    /// No compose file: the check against Compose's own view of the files cannot run.
    ViewsSkipped,
}

impl Warning {
    pub fn message(&self) -> String {
        match self {
            Warning::ExternalWithProjectLabels { volume } => format!(
                "external volume `{volume}` carries this project's Compose labels: \
                 `docker compose -p NAME down -v` without the file would delete it"
            ),
            Warning::Protected { volume } => {
                format!("volume `{volume}` is listed as protected in devctl.yaml")
            }
            Warning::LabelledByOtherProject { volume, project } => format!(
                "volume `{volume}` belongs to project `{project}` too (its Compose labels name \
                 `{project}`: both projects use this `name:`); deleting it deletes `{project}`'s data"
            ),
            Warning::UsedByOtherProject {
                volume,
                container,
                project,
            } => match project {
                Some(p) => format!(
                    "volume `{volume}` is also used by container `{container}` of project `{p}`"
                ),
                None => format!(
                    "volume `{volume}` is also used by container `{container}` (not a Compose container)"
                ),
            },
            Warning::NotInProject { volume } => {
                format!("volume `{volume}` is not a volume of this project")
            }
            Warning::LabelMode { project } => format!(
                "no compose file found: this plan comes from the Engine's labels \
                 ({LABEL_PROJECT}={project}), as `docker compose -p {project} down -v` without \
                 files would act. Without the compose files devctl cannot tell which of these \
                 volumes you meant to keep: any of them may be an \"external\" volume that \
                 Compose created earlier. Run devctl with the project's files (-f) to plan \
                 from them instead"
            ),
            Warning::ViewsSkipped => "the check against Compose's own view of the files \
                 (`docker compose config`) cannot run without compose files: skipped"
                .to_string(),
        }
    }
}
