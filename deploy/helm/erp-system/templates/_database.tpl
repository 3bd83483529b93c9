{{/* PostgreSQL and Redis endpoints and the migration hooks. */}}

{{/* Host of the PostgreSQL the services use: the in-chart Service or externalDatabase.host. */}}
{{- define "erp.postgres.host" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "erp.componentName" (list . "postgresql") -}}
{{- else -}}
{{- .Values.externalDatabase.host -}}
{{- end -}}
{{- end -}}

{{/* Port of the PostgreSQL the services use. */}}
{{- define "erp.postgres.port" -}}
{{- if .Values.postgresql.enabled }}{{ .Values.postgresql.port }}{{ else }}{{ .Values.externalDatabase.port }}{{ end -}}
{{- end -}}

{{/* Host of the Redis the services and Dapr use: the in-chart Service or externalRedis.host. */}}
{{- define "erp.redis.host" -}}
{{- if .Values.redis.enabled -}}
{{- include "erp.componentName" (list . "redis") -}}
{{- else -}}
{{- .Values.externalRedis.host -}}
{{- end -}}
{{- end -}}

{{/* Port of the Redis the services and Dapr use. */}}
{{- define "erp.redis.port" -}}
{{- if .Values.redis.enabled }}{{ .Values.redis.port }}{{ else }}{{ .Values.externalRedis.port }}{{ end -}}
{{- end -}}

{{/* How the release runs its migration Jobs: pre-upgrade (a hook) on an upgrade; on the first install (and under `helm template`, as Argo CD renders) installPhase, where auto is pre-install only when nothing the Jobs read is created by the release, else resource (a plain Job of the release). */}}
{{- define "erp.migrations.phase" -}}
{{- if .Release.IsUpgrade -}}
pre-upgrade
{{- else -}}
{{- $phase := .Values.migrations.installPhase -}}
{{- if eq $phase "auto" -}}
{{- $phase = ternary "pre-install" "resource" (and (not .Values.postgresql.enabled) (ne .Values.secrets.existingSecret "")) -}}
{{- end -}}
{{- $phase -}}
{{- end -}}
{{- end -}}

{{/* Annotations of a Job the release runs in the migration phase (migrations, password sync): a Helm hook, or for a plain Job an Argo CD Sync hook replaced on every sync: include "erp.jobPhaseAnnotations" (list $ weight) | fromYaml. */}}
{{- define "erp.jobPhaseAnnotations" -}}
{{- $phase := include "erp.migrations.phase" (index . 0) -}}
{{- if eq $phase "resource" }}
argocd.argoproj.io/hook: Sync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
{{- else }}
helm.sh/hook: {{ $phase }}
helm.sh/hook-weight: {{ index . 1 | toString | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- end }}
{{- end -}}

{{/* Migration Jobs of one service as a JSON list of {name, track, tag, digest, weight}, one per release it prepares (stable, canary, blue-green slot), the older release first: on install only the newest (the older ones are served by its schema, expand/contract), on upgrade each whose image is not already running: include "erp.migrationJobs" (list $ name cfg) | fromJsonArray. */}}
{{- define "erp.migrationJobs" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $cfg := index . 2 -}}
{{- $semver := "^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$" -}}
{{- /* The live release (stable, the active slot) first, then the canary or the idle slot. */ -}}
{{- $ordered := list -}}
{{- $others := list -}}
{{- range $v := include "erp.variants" (list $root $name $cfg) | fromJsonArray -}}
{{- $v = set $v "tag" ($v.tag | default $root.Values.image.tag | default $root.Chart.AppVersion | toString) -}}
{{- $v = set $v "image" (include "erp.image" (dict "root" $root "image" $root.Values.image "tag" $v.tag "digest" $v.digest "default" $root.Chart.AppVersion)) -}}
{{- if eq $v.role "main" -}}
{{- $ordered = append $ordered $v -}}
{{- else -}}
{{- $others = append $others $v -}}
{{- end -}}
{{- end -}}
{{- $ordered = concat $ordered $others -}}
{{- if eq (len $ordered) 2 -}}
{{- $a := index $ordered 0 -}}
{{- $b := index $ordered 1 -}}
{{- if eq $a.image $b.image -}}
{{- $ordered = list $a -}}
{{- else if and (regexMatch $semver $a.tag) (regexMatch $semver $b.tag) (semverCompare (printf "<%s" (trimPrefix "v" $a.tag)) (trimPrefix "v" $b.tag)) -}}
{{- /* Semantic versions decide which release is older: it migrates first. */ -}}
{{- $ordered = list $b $a -}}
{{- end -}}
{{- end -}}
{{- $jobs := list -}}
{{- if $root.Release.IsUpgrade -}}
{{- range $v := $ordered -}}
{{- /* A release already running was prepared when it came; its code may be older than the schema now, which `erp migrate` refuses. */ -}}
{{- $live := lookup "apps/v1" "Deployment" (include "erp.namespace" $root) $v.name -}}
{{- $running := "" -}}
{{- range dig "spec" "template" "spec" "containers" list ($live | default dict) -}}
{{- if eq .name $name -}}
{{- $running = .image -}}
{{- end -}}
{{- end -}}
{{- if ne $running $v.image -}}
{{- $jobs = append $jobs $v -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- $jobs = list (last $ordered) -}}
{{- end -}}
{{- $out := list -}}
{{- range $i, $v := $jobs -}}
{{- $suffix := ternary "-migrate" "-migrate-install" $root.Release.IsUpgrade -}}
{{- $out = append $out (dict "name" (printf "%s%s" $v.name $suffix) "track" $v.track "tag" $v.tag "digest" $v.digest "weight" $i) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Redis logical database of the services and the Dapr components: 0 in the chart's Redis, else externalRedis.database. */}}
{{- define "erp.redis.database" -}}
{{- ternary 0 (int .Values.externalRedis.database) .Values.redis.enabled -}}
{{- end -}}

{{/* A password percent-encoded for a URL's user-info (a space is %20: urlquery's `+` would be a literal plus there). */}}
{{- define "erp.urlEncode" -}}
{{- . | urlquery | replace "+" "%20" -}}
{{- end -}}

{{/* Directory of the external PostgreSQL's CA and client certificate in the pods. */}}
{{- define "erp.postgres.tlsDir" -}}
/etc/erp/db-tls
{{- end -}}

{{/* TLS to the external PostgreSQL as JSON {enabled, mode, client}: mode is tls.mode, else externalDatabase.sslMode. */}}
{{- define "erp.postgres.tls" -}}
{{- $db := .Values.externalDatabase -}}
{{- $on := and (not .Values.postgresql.enabled) $db.tls.enabled -}}
{{- toJson (dict "enabled" $on "mode" (default $db.sslMode $db.tls.mode) "client" (and $on $db.tls.clientCertificate)) -}}
{{- end -}}

{{/* Query of the database URLs the chart builds: none for the chart's PostgreSQL; sslmode, and with externalDatabase.tls the certificate paths. */}}
{{- define "erp.postgres.query" -}}
{{- if not .Values.postgresql.enabled -}}
{{- $tls := include "erp.postgres.tls" . | fromJson -}}
{{- $dir := include "erp.postgres.tlsDir" . -}}
{{- $q := list (printf "sslmode=%s" $tls.mode) -}}
{{- if $tls.enabled -}}
{{- $q = append $q (printf "sslrootcert=%s/ca.crt" $dir) -}}
{{- if $tls.client -}}
{{- $q = append $q (printf "sslcert=%s/tls.crt" $dir) -}}
{{- $q = append $q (printf "sslkey=%s/tls.key" $dir) -}}
{{- end -}}
{{- end -}}
{{- printf "?%s" (join "&" $q) -}}
{{- end -}}
{{- end -}}

{{/* Database URL of one service as the chart builds it: include "erp.databaseURL" (list $ cfg password). */}}
{{- define "erp.databaseURL" -}}
{{- $root := index . 0 -}}
{{- $cfg := index . 1 -}}
{{- printf "postgresql://%s:%s@%s:%s/%s%s" $cfg.database.user (include "erp.urlEncode" (index . 2)) (include "erp.postgres.host" $root) (include "erp.postgres.port" $root) $cfg.database.name (include "erp.postgres.query" $root) -}}
{{- end -}}

{{/* Volume with the external PostgreSQL's CA (and client certificate) from externalDatabase.tls.existingSecret; nothing without TLS. */}}
{{- define "erp.postgres.tlsVolume" -}}
{{- $tls := include "erp.postgres.tls" . | fromJson -}}
{{- if $tls.enabled }}
- name: db-tls
  secret:
    secretName: {{ .Values.externalDatabase.tls.existingSecret }}
    defaultMode: 0440
    items:
      - key: ca.crt
        path: ca.crt
      {{- if $tls.client }}
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
      {{- end }}
{{- end }}
{{- end -}}

{{/* Read-only mount of that volume at /etc/erp/db-tls; nothing without TLS. */}}
{{- define "erp.postgres.tlsMount" -}}
{{- $tls := include "erp.postgres.tls" . | fromJson -}}
{{- if $tls.enabled }}
- name: db-tls
  mountPath: {{ include "erp.postgres.tlsDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* Connections per pod of one service: ERP_DB_POOL_SIZE + ERP_DB_MAX_OVERFLOW (config.*, or the service's env) + 1 for the outbox relay's LISTEN: include "erp.connectionsPerPod" (list $ cfg). */}}
{{- define "erp.connectionsPerPod" -}}
{{- $root := index . 0 -}}
{{- $env := default dict (index . 1).env -}}
{{- $pool := int (default $root.Values.config.dbPoolSize (index $env "ERP_DB_POOL_SIZE")) -}}
{{- $overflow := int (default $root.Values.config.dbMaxOverflow (index $env "ERP_DB_MAX_OVERFLOW")) -}}
{{- add $pool $overflow 1 -}}
{{- end -}}

{{/* Worst-case PostgreSQL connections of the release as JSON {total, jobs, services: [{name, pods, perPod, connections}]}: every Deployment at replicas (or HPA maxReplicas) plus its rolling-update surge, times connections per pod, plus one per migration Job. */}}
{{- define "erp.connectionBudget" -}}
{{- $root := . -}}
{{- $services := list -}}
{{- $total := 0 -}}
{{- $jobs := 0 -}}
{{- range $name := include "erp.serviceNames" . | fromJsonArray -}}
{{- $cfg := include "erp.settings" (list $root $name) | fromYaml -}}
{{- if $cfg.database.enabled -}}
{{- $surge := $cfg.rollingUpdate.maxSurge -}}
{{- $pods := 0 -}}
{{- range $v := include "erp.variants" (list $root $name $cfg) | fromJsonArray -}}
{{- $count := int $v.maxReplicas -}}
{{- $extra := 0 -}}
{{- if gt $count 0 -}}
{{- if kindIs "string" $surge -}}
{{- $extra = div (add (mul $count (int (trimSuffix "%" $surge))) 99) 100 -}}
{{- else -}}
{{- $extra = int $surge -}}
{{- end -}}
{{- end -}}
{{- $pods = add $pods $count $extra -}}
{{- end -}}
{{- $perPod := int (include "erp.connectionsPerPod" (list $root $cfg)) -}}
{{- $services = append $services (dict "name" $name "pods" $pods "perPod" $perPod "connections" (mul $pods $perPod)) -}}
{{- $total = add $total (mul $pods $perPod) -}}
{{- if $root.Values.migrations.enabled -}}
{{- $jobs = add1 $jobs -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "total" (add $total $jobs) "jobs" $jobs "services" $services) -}}
{{- end -}}

{{/* The `data` volume of a store when it has no claim template: its existingClaim, or an emptyDir when persistence is off; nothing otherwise: include "erp.store.dataVolume" persistence. */}}
{{- define "erp.store.dataVolume" -}}
{{- if .existingClaim }}
- name: data
  persistentVolumeClaim:
    claimName: {{ .existingClaim }}
{{- else if not .enabled }}
- name: data
  emptyDir:
    sizeLimit: {{ .size }}
{{- end }}
{{- end -}}

{{/* volumeClaimTemplates of a store's StatefulSet (persistence on, no existingClaim): include "erp.store.claimTemplate" (list $ component persistence). */}}
{{- define "erp.store.claimTemplate" -}}
{{- $p := index . 2 -}}
{{- if and $p.enabled (not $p.existingClaim) -}}
volumeClaimTemplates:
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: data
      labels:
        {{- include "erp.selectorLabels" (list (index . 0) (index . 1)) | nindent 8 }}
      {{- with $p.annotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      accessModes: [{{ join ", " $p.accessModes }}]
      {{- with $p.storageClass }}
      storageClassName: {{ . }}
      {{- end }}
      resources:
        requests:
          storage: {{ $p.size }}
{{- end }}
{{- end -}}
