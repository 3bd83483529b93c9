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

{{/* Hook phase of the first migration run: pre-install only when nothing it needs is created by the release. */}}
{{- define "erp.migrations.phase" -}}
{{- $phase := .Values.migrations.installPhase -}}
{{- if eq $phase "auto" -}}
{{- $phase = ternary "pre-install" "post-install" (and (not .Values.postgresql.enabled) (ne .Values.secrets.existingSecret "")) -}}
{{- end -}}
{{- $phase -}}
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
