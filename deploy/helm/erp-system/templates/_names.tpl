{{/* Names, labels and metadata of the objects. */}}

{{/* Chart name (or nameOverride), cut to 63 characters. */}}
{{- define "erp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide prefix of object names (fullnameOverride, or release and chart name): include "erp.fullname" . */}}
{{- define "erp.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Object name of one component, <fullname>-<component>: include "erp.componentName" (list $ "gateway"). */}}
{{- define "erp.componentName" -}}
{{- printf "%s-%s" (include "erp.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespace of every object: namespace.name, else the release namespace. */}}
{{- define "erp.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name -}}
{{- end -}}

{{/* Labels on every object (chart, selector, version, commonLabels): include "erp.labels" (list $ "gateway"). */}}
{{- define "erp.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "erp.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: erp-system
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Immutable selector labels: name, instance and component (when given): include "erp.selectorLabels" (list $ "gateway"). */}}
{{- define "erp.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "erp.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- if and (gt (len .) 1) (index . 1) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}
{{- end -}}

{{/* Object metadata (name, namespace, labels, annotations + commonAnnotations): include "erp.metadata" (dict "root" $ "component" c "name" n "labels" (dict) "annotations" (dict) "namespace" "" ). */}}
{{- define "erp.metadata" -}}
{{- $root := .root -}}
name: {{ .name }}
namespace: {{ .namespace | default (include "erp.namespace" $root) }}
labels:
  {{- include "erp.labels" (list $root (default "" .component)) | nindent 2 }}
  {{- with .labels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- $ann := merge (deepCopy (default dict .annotations)) (default dict $root.Values.commonAnnotations) }}
{{- with $ann }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Upper-case form of a service name for ERP_<SERVICE>_URL: include "erp.envName" "gateway". */}}
{{- define "erp.envName" -}}
{{- . | upper | replace "-" "_" -}}
{{- end -}}

{{/* ServiceAccount of one service's pods: serviceAccount.name or <fullname>-<service> when the chart creates them, else serviceAccount.name or default: include "erp.serviceAccountName" (list $ "gateway"). */}}
{{- define "erp.serviceAccountName" -}}
{{- $root := index . 0 -}}
{{- $sa := $root.Values.serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "erp.componentName" (list $root (index . 1))) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/* Namespace of the node agent: nodeAgent.namespace.name, else <release namespace>-node-agent (its hostPath volumes need a privileged namespace). */}}
{{- define "erp.nodeAgent.namespace" -}}
{{- default (printf "%s-node-agent" (include "erp.namespace" .) | trunc 63 | trimSuffix "-") .Values.nodeAgent.namespace.name -}}
{{- end -}}
