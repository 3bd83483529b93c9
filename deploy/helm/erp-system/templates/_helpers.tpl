{{/* Chart name, cut to 63 characters. */}}
{{- define "erp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide prefix of object names: usage {{ include "erp.fullname" . }}. */}}
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

{{/* Name of one component's objects: usage {{ include "erp.componentName" (list $ "gateway") }}. */}}
{{- define "erp.componentName" -}}
{{- printf "%s-%s" (include "erp.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespace of every object. */}}
{{- define "erp.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name -}}
{{- end -}}

{{/* Labels on every object: usage {{ include "erp.labels" (list $ "gateway") }}. */}}
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

{{/* Immutable selector labels: name, instance and component (when given). */}}
{{- define "erp.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "erp.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- if and (gt (len .) 1) (index . 1) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}
{{- end -}}

{{/*
Metadata of an object: name, namespace, labels and annotations.
usage: {{ include "erp.metadata" (dict "root" $ "component" "gateway" "name" $n "labels" (dict) "annotations" (dict)) }}
*/}}
{{- define "erp.metadata" -}}
{{- $root := .root -}}
name: {{ .name }}
namespace: {{ include "erp.namespace" $root }}
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

{{/* Enabled services, sorted: usage {{ range (include "erp.serviceNames" . | fromJsonArray) }}. */}}
{{- define "erp.serviceNames" -}}
{{- $names := list -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $names) -}}
{{- end -}}

{{/* Effective settings of one service: defaults overlaid by services.<name>. Returns YAML. */}}
{{- define "erp.settings" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $own := deepCopy (index $root.Values.services $name) -}}
{{- $cfg := mergeOverwrite (deepCopy $root.Values.defaults) $own -}}
{{- $db := default dict $cfg.database -}}
{{- $_ := set $cfg "database" (dict "enabled" (ne $db.enabled false) "name" (default (printf "erp_%s" ($name | replace "-" "_")) $db.name) "user" (default (printf "erp_%s" ($name | replace "-" "_")) $db.user)) -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* Grace period of one service: the configured value or preStop sleep + drain + margin. */}}
{{- define "erp.gracePeriod" -}}
{{- $sd := .shutdown -}}
{{- $needed := add (int $sd.preStopSleepSeconds) (int (ceil $sd.drainTimeoutSeconds)) (int $sd.marginSeconds) -}}
{{- if kindIs "invalid" .terminationGracePeriodSeconds -}}
{{- $needed -}}
{{- else -}}
{{- int .terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* Image reference: usage {{ include "erp.image" (dict "image" .Values.image "tag" "" "digest" "" "default" .Chart.AppVersion) }}. */}}
{{- define "erp.image" -}}
{{- $repo := .image.repository -}}
{{- if .image.registry -}}
{{- $repo = printf "%s/%s" .image.registry .image.repository -}}
{{- end -}}
{{- $tag := .tag | default .image.tag | default .default | toString -}}
{{- $digest := .digest | default .image.digest -}}
{{- if $digest -}}
{{- printf "%s:%s@%s" $repo $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret the pods read: the chart's own or secrets.existingSecret. */}}
{{- define "erp.secretName" -}}
{{- default (include "erp.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Upper-case form of a service name for ERP_<SERVICE>_URL. */}}
{{- define "erp.envName" -}}
{{- . | upper | replace "-" "_" -}}
{{- end -}}

{{/* In-release address of a service. */}}
{{- define "erp.serviceURL" -}}
{{- $root := index . 0 -}}
{{- printf "http://%s.%s.svc.%s:8000" (include "erp.componentName" (list $root (index . 1))) (include "erp.namespace" $root) $root.Values.clusterDomain -}}
{{- end -}}

{{/* Host and port of PostgreSQL the services use. */}}
{{- define "erp.postgres.host" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "erp.componentName" (list . "postgresql") -}}
{{- else -}}
{{- .Values.externalDatabase.host -}}
{{- end -}}
{{- end -}}
{{- define "erp.postgres.port" -}}
{{- if .Values.postgresql.enabled }}{{ .Values.postgresql.port }}{{ else }}{{ .Values.externalDatabase.port }}{{ end -}}
{{- end -}}

{{/* Host and port of Redis the services and Dapr use. */}}
{{- define "erp.redis.host" -}}
{{- if .Values.redis.enabled -}}
{{- include "erp.componentName" (list . "redis") -}}
{{- else -}}
{{- .Values.externalRedis.host -}}
{{- end -}}
{{- end -}}
{{- define "erp.redis.port" -}}
{{- if .Values.redis.enabled }}{{ .Values.redis.port }}{{ else }}{{ .Values.externalRedis.port }}{{ end -}}
{{- end -}}

{{/* True ("true") when a CRD-backed API is served or forced: usage (include "erp.capable" (list $ "monitoring.coreos.com/v1/ServiceMonitor" $force)). */}}
{{- define "erp.capable" -}}
{{- $root := index . 0 -}}
{{- if or (index . 2) ($root.Capabilities.APIVersions.Has (index . 1)) -}}true{{- end -}}
{{- end -}}

{{/* Non-secret ERP_* settings shared by every service (ConfigMap data; also inlined in hook Jobs). */}}
{{- define "erp.configData" -}}
{{- $root := . -}}
ERP_PORT: "8000"
ERP_ENVIRONMENT: {{ .Values.config.environment | quote }}
ERP_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
ERP_LOG_FORMAT: {{ .Values.config.logFormat | quote }}
ERP_BASE_CURRENCY: {{ .Values.config.baseCurrency | quote }}
ERP_DB_POOL_SIZE: {{ .Values.config.dbPoolSize | quote }}
ERP_DB_MAX_OVERFLOW: {{ .Values.config.dbMaxOverflow | quote }}
ERP_SHUTDOWN_DELAY_SECONDS: "0"
{{- if .Values.dapr.enabled }}
ERP_EVENT_TRANSPORT: "dapr"
ERP_DAPR_PUBSUB_NAME: {{ .Values.dapr.pubsubName | quote }}
ERP_DAPR_STATESTORE_NAME: {{ .Values.dapr.statestoreName | quote }}
{{- else }}
ERP_EVENT_TRANSPORT: {{ .Values.config.eventTransport | quote }}
{{- end }}
{{- range (include "erp.serviceNames" . | fromJsonArray) }}
ERP_{{ include "erp.envName" . }}_URL: {{ include "erp.serviceURL" (list $root .) | quote }}
{{- end }}
{{- end -}}

{{/* Secret-backed environment of one service's container: usage (include "erp.secretEnv" (list $ name cfg)). */}}
{{- define "erp.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $cfg := index . 2 -}}
{{- $secret := include "erp.secretName" $root -}}
{{- if $cfg.database.enabled }}
- name: ERP_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $name }}-database-url
{{- end }}
- name: ERP_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: redis-url
- name: ERP_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: jwt-secret
{{- if $cfg.bootstrapAdmin }}
- name: ERP_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: admin-password
{{- end }}
{{- end -}}

{{/* Pod and container security settings shared by every workload. */}}
{{- define "erp.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- define "erp.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Checkov skip annotations with their reasons: usage (include "erp.checkovSkips" (dict "secretEnv" true "oneShot" false "digest" "")). */}}
{{- define "erp.checkovSkips" -}}
{{- $n := 0 -}}
{{- if .secretEnv }}
{{- $n = add1 $n }}
checkov.io/skip{{ $n }}: CKV_K8S_35=The service reads its settings only from ERP_* environment variables (runtime contract); values come from the release Secret by secretKeyRef
{{- end }}
{{- if .oneShot }}
{{- $n = add1 $n }}
checkov.io/skip{{ $n }}: CKV_K8S_8=A one-shot test pod that exits within seconds; there is no long-running process to probe
{{- $n = add1 $n }}
checkov.io/skip{{ $n }}: CKV_K8S_9=A one-shot test pod that exits within seconds; it never receives traffic
{{- end }}
{{- if not .digest }}
{{- $n = add1 $n }}
checkov.io/skip{{ $n }}: CKV_K8S_43=The image is pinned by a release tag; set the image digest value to pin it by digest
{{- end }}
{{- end -}}

{{/*
Deployments of one service as a JSON list; each item has name, track, role (main, canary
or idle), replicas (-1 when the HPA owns the count), tag and digest.
usage: {{ range (include "erp.variants" (list $ name cfg) | fromJsonArray) }}
*/}}
{{- define "erp.variants" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $cfg := index . 2 -}}
{{- $base := include "erp.componentName" (list $root $name) -}}
{{- $replicas := ternary -1 (int $cfg.replicaCount) (and $cfg.autoscaling.enabled true) -}}
{{- $out := list -}}
{{- if eq $cfg.releaseStrategy "blueGreen" -}}
{{- $bg := $cfg.blueGreen -}}
{{- $idle := ternary (int $cfg.replicaCount) (int (default 0 $bg.idleReplicas)) (kindIs "invalid" $bg.idleReplicas) -}}
{{- if and $cfg.autoscaling.enabled (kindIs "invalid" $bg.idleReplicas) -}}
{{- $idle = int $cfg.autoscaling.minReplicas -}}
{{- end -}}
{{- range $slot := list "blue" "green" -}}
{{- $s := index $bg $slot -}}
{{- $active := eq $bg.activeSlot $slot -}}
{{- $out = append $out (dict "name" (printf "%s-%s" $base $slot) "track" $slot "role" (ternary "main" "idle" $active) "replicas" (ternary $replicas $idle $active) "tag" ($s.tag | default $cfg.image.tag) "digest" ($s.digest | default $cfg.image.digest)) -}}
{{- end -}}
{{- else -}}
{{- $out = append $out (dict "name" $base "track" "stable" "role" "main" "replicas" $replicas "tag" $cfg.image.tag "digest" $cfg.image.digest) -}}
{{- if eq $cfg.releaseStrategy "canary" -}}
{{- $out = append $out (dict "name" (printf "%s-canary" $base) "track" "canary" "role" "canary" "replicas" (int $cfg.canary.replicas) "tag" $cfg.canary.tag "digest" $cfg.canary.digest) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Pod selector of the main Service of one service (active slot, stable track, or both tracks). */}}
{{- define "erp.serviceSelector" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $cfg := index . 2 -}}
{{- include "erp.selectorLabels" (list $root $name) }}
{{- if eq $cfg.releaseStrategy "blueGreen" }}
track: {{ $cfg.blueGreen.activeSlot }}
{{- else if and (eq $cfg.releaseStrategy "canary") (eq $cfg.canary.routing "service") }}
{{- /* both tracks: requests split by replica count */}}
{{- else }}
track: stable
{{- end }}
{{- end -}}

{{/* Checksum that rolls the pods when the Secret they read changes. */}}
{{- define "erp.secretChecksum" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret | sha256sum -}}
{{- else -}}
{{- include (print .Template.BasePath "/secret.yaml") . | sha256sum -}}
{{- end -}}
{{- end -}}

{{/* Affinity of a pod: the anti-affinity preset on the node, merged under the user's affinity. */}}
{{- define "erp.affinity" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $track := index . 2 -}}
{{- $cfg := index . 3 -}}
{{- $selector := dict "matchLabels" (merge (include "erp.selectorLabels" (list $root $name) | fromYaml) (dict "track" $track)) -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" $selector -}}
{{- $preset := dict -}}
{{- if eq $cfg.podAntiAffinity "hard" -}}
{{- $preset = dict "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- else if eq $cfg.podAntiAffinity "soft" -}}
{{- $preset = dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term))) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $preset (deepCopy (default dict $cfg.affinity))) -}}
{{- end -}}

{{/* A secret value: the one given, else the one in the cluster, else a generated one. */}}
{{- define "erp.secretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else if hasKey .old .key -}}
{{- index .old .key | b64dec -}}
{{- else -}}
{{- randAlphaNum (default 32 .length) -}}
{{- end -}}
{{- end -}}

{{/* Egress rule to the cluster DNS. */}}
{{- define "erp.egress.dns" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* Egress rule to PostgreSQL: the in-chart pod, or the external addresses. */}}
{{- define "erp.egress.postgres" -}}
{{- include "erp.egress.store" (list . "postgresql" .Values.postgresql.enabled (include "erp.postgres.port" .)) -}}
{{- end -}}

{{/* Egress rule to Redis: the in-chart pod, or the external addresses. */}}
{{- define "erp.egress.redis" -}}
{{- include "erp.egress.store" (list . "redis" .Values.redis.enabled (include "erp.redis.port" .)) -}}
{{- end -}}

{{- define "erp.egress.store" -}}
{{- $root := index . 0 -}}
{{- $cidrs := $root.Values.networkPolicy.externalDatabaseCidrs -}}
- ports:
    - port: {{ index . 3 }}
      protocol: TCP
  {{- if index . 2 }}
  to:
    - podSelector:
        matchLabels:
          {{- include "erp.selectorLabels" (list $root (index . 1)) | nindent 10 }}
  {{- else if $cidrs }}
  to:
    {{- range $cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  {{- end }}
{{- end -}}

{{/* Hook phase of the first migration run: pre-install only when nothing it needs is created by the release. */}}
{{- define "erp.migrations.phase" -}}
{{- $phase := .Values.migrations.installPhase -}}
{{- if eq $phase "auto" -}}
{{- $phase = ternary "pre-install" "post-install" (and (not .Values.postgresql.enabled) (ne .Values.secrets.existingSecret "")) -}}
{{- end -}}
{{- $phase -}}
{{- end -}}

{{/* Pull policy: the one set, else IfNotPresent for a digest and Always for a tag (a moved tag is noticed). */}}
{{- define "erp.pullPolicy" -}}
{{- if .policy -}}
{{- .policy -}}
{{- else -}}
{{- ternary "IfNotPresent" "Always" (ne (toString .digest) "") -}}
{{- end -}}
{{- end -}}

{{/* Connection metadata shared by the Dapr Redis components (password by secretKeyRef). */}}
{{- define "erp.dapr.redisMetadata" -}}
- name: redisHost
  value: {{ printf "%s:%s" (include "erp.redis.host" .) (include "erp.redis.port" .) }}
- name: redisPassword
  secretKeyRef:
    name: {{ include "erp.secretName" . }}
    key: redis-password
- name: enableTLS
  value: {{ and (not .Values.redis.enabled) .Values.externalRedis.tls | quote }}
{{- end -}}

{{/* Dapr app ids allowed to use a component: one per enabled service. */}}
{{- define "erp.dapr.scopes" -}}
{{- range $name := include "erp.serviceNames" . | fromJsonArray }}
- {{ include "erp.componentName" (list $ $name) }}
{{- end }}
{{- end -}}
