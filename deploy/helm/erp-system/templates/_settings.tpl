{{/* Which services run, with which settings, images and shared configuration. */}}

{{/* Enabled services, sorted, as a JSON list: range (include "erp.serviceNames" . | fromJsonArray). */}}
{{- define "erp.serviceNames" -}}
{{- $names := list -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $names) -}}
{{- end -}}

{{/* Effective settings of one service as YAML (defaults overlaid by services.<name>, database name/user filled in): include "erp.settings" (list $ name) | fromYaml. */}}
{{- define "erp.settings" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $own := deepCopy (index $root.Values.services $name) -}}
{{- $cfg := mergeOverwrite (deepCopy $root.Values.defaults) $own -}}
{{- $db := default dict $cfg.database -}}
{{- $_ := set $cfg "database" (dict "enabled" (ne $db.enabled false) "name" (default (printf "erp_%s" ($name | replace "-" "_")) $db.name) "user" (default (printf "erp_%s" ($name | replace "-" "_")) $db.user)) -}}
{{- /* Lists the operator adds to (env, volumes, containers, spread): the service's own come after the defaults'. */ -}}
{{- range $key := list "extraEnv" "extraEnvFrom" "extraVolumes" "extraVolumeMounts" "initContainers" "sidecars" "topologySpreadConstraints" -}}
{{- $_ := set $cfg $key (concat (index $root.Values.defaults $key | default list) (index $own $key | default list)) -}}
{{- end -}}
{{- /* Security context overrides: the service's keys replace the defaults' one by one, a null included (it drops the key later). */ -}}
{{- range $key := list "podSecurityContext" "containerSecurityContext" -}}
{{- $sc := deepCopy (index $root.Values.defaults $key | default dict) -}}
{{- range $k, $v := (index $own $key | default dict) -}}
{{- $_ := set $sc $k $v -}}
{{- end -}}
{{- $_ := set $cfg $key $sc -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* Non-secret ERP_* settings shared by every service (ConfigMap data; also inlined in the hook Jobs). */}}
{{- define "erp.configData" -}}
{{- $root := . -}}
ERP_PORT: "8000"
ERP_ENVIRONMENT: {{ .Values.config.environment | quote }}
ERP_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
ERP_LOG_FORMAT: {{ .Values.config.logFormat | quote }}
ERP_BASE_CURRENCY: {{ .Values.config.baseCurrency | quote }}
ERP_COMPANY_TIMEZONE: {{ .Values.config.companyTimezone | quote }}
ERP_DB_POOL_SIZE: {{ .Values.config.dbPoolSize | quote }}
ERP_DB_MAX_OVERFLOW: {{ .Values.config.dbMaxOverflow | quote }}
ERP_SHUTDOWN_DELAY_SECONDS: "0"
ERP_FORWARDED_PROTO: {{ ternary "https" "http" (and .Values.ingress.enabled .Values.ingress.tls.enabled) | quote }}
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

{{/* "true" when a CRD-backed API is served or forced: include "erp.capable" (list $ "monitoring.coreos.com/v1/ServiceMonitor" $force). */}}
{{- define "erp.capable" -}}
{{- $root := index . 0 -}}
{{- if or (index . 2) ($root.Capabilities.APIVersions.Has (index . 1)) -}}true{{- end -}}
{{- end -}}

{{/* Image reference registry/repository:tag[@digest], global.imageRegistry replacing the registry: include "erp.image" (dict "root" $ "image" .Values.image "tag" "" "digest" "" "default" .Chart.AppVersion). */}}
{{- define "erp.image" -}}
{{- $repo := .image.repository -}}
{{- $registry := .image.registry | default "" -}}
{{- $global := (.root.Values.global | default dict).imageRegistry | default "" -}}
{{- if $global -}}
{{- $parts := splitList "/" $repo -}}
{{- $host := first $parts -}}
{{- if and (not $registry) (gt (len $parts) 1) (or (contains "." $host) (contains ":" $host) (eq $host "localhost")) -}}
{{- /* a repository that names its registry (docker.io/library/postgres): the host is replaced */ -}}
{{- $repo = rest $parts | join "/" -}}
{{- end -}}
{{- $registry = $global -}}
{{- end -}}
{{- if $registry -}}
{{- $repo = printf "%s/%s" $registry $repo -}}
{{- end -}}
{{- $tag := .tag | default .image.tag | default .default | toString -}}
{{- $digest := .digest | default .image.digest -}}
{{- if $digest -}}
{{- printf "%s:%s@%s" $repo $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* Pull policy: the one set, else IfNotPresent for a digest and Always for a tag (a moved tag is noticed). */}}
{{- define "erp.pullPolicy" -}}
{{- if .policy -}}
{{- .policy -}}
{{- else -}}
{{- ternary "IfNotPresent" "Always" (ne (toString .digest) "") -}}
{{- end -}}
{{- end -}}

{{/* A Kubernetes quantity as a plain number (bytes for memory, cores for CPU); empty when it cannot be read: include "erp.quantity" "512Mi". */}}
{{- define "erp.quantity" -}}
{{- $q := toString . -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $q -}}
{{- $unit := trimPrefix $num $q -}}
{{- $units := dict "" 1.0 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0 "E" 1000000000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- if and $num (hasKey $units $unit) -}}
{{- mulf (float64 $num) (get $units $unit) | printf "%f" -}}
{{- end -}}
{{- end -}}


{{/* imagePullSecrets of a pod: global.imagePullSecrets then imagePullSecrets, each `{name: x}` or a plain name, without repeats; nothing when none. */}}
{{- define "erp.imagePullSecrets" -}}
{{- $names := list -}}
{{- range concat ((.Values.global | default dict).imagePullSecrets | default list) (.Values.imagePullSecrets | default list) -}}
{{- if kindIs "map" . -}}
{{- $names = append $names .name -}}
{{- else -}}
{{- $names = append $names . -}}
{{- end -}}
{{- end -}}
{{- with ($names | uniq) }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}
