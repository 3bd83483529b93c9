{{/*
Checks the schema cannot express; every message names the value to fix. All failures are
collected and reported at once by erp.validate (called from NOTES.txt and configmap.yaml).
*/}}
{{- define "erp.validate" -}}
{{- $errors := list -}}
{{- $names := include "erp.serviceNames" . | fromJsonArray -}}
{{- $reserved := list "ERP_PORT" "ERP_DATABASE_URL" "ERP_REDIS_URL" "ERP_JWT_SECRET" "ERP_ADMIN_PASSWORD" "ERP_EVENT_TRANSPORT" "ERP_SHUTDOWN_DELAY_SECONDS" "ERP_DRAIN_TIMEOUT_SECONDS" -}}
{{- range $name := $names -}}
{{- $cfg := include "erp.settings" (list $ $name) | fromYaml -}}
{{- $key := printf "services.%s" $name -}}
{{- if has $name (list "postgresql" "redis" "migrations" "test" "node-agent" "dapr") -}}
{{- $errors = append $errors (printf "%s: the name %q is used by the chart itself; pick another service name" $key $name) -}}
{{- end -}}
{{- $sd := $cfg.shutdown -}}
{{- $needed := add (int $sd.preStopSleepSeconds) (int (ceil $sd.drainTimeoutSeconds)) (int $sd.marginSeconds) -}}
{{- if and (not (kindIs "invalid" $cfg.terminationGracePeriodSeconds)) (lt (int $cfg.terminationGracePeriodSeconds) $needed) -}}
{{- $errors = append $errors (printf "%s.terminationGracePeriodSeconds (%d) must be at least shutdown.preStopSleepSeconds (%d) + shutdown.drainTimeoutSeconds (%v) + shutdown.marginSeconds (%d) = %d; raise it or leave it null to compute it" $key (int $cfg.terminationGracePeriodSeconds) (int $sd.preStopSleepSeconds) $sd.drainTimeoutSeconds (int $sd.marginSeconds) $needed) -}}
{{- end -}}
{{- range $env, $_ := $cfg.env -}}
{{- if has $env $reserved -}}
{{- $errors = append $errors (printf "%s.env.%s is set by the chart itself and cannot be overridden" $key $env) -}}
{{- end -}}
{{- end -}}
{{- range $caller := $cfg.allowFrom -}}
{{- if not (has $caller $names) -}}
{{- $errors = append $errors (printf "%s.allowFrom names %q, which is not an enabled service" $key $caller) -}}
{{- end -}}
{{- end -}}
{{- if and $cfg.autoscaling.enabled (gt (int $cfg.autoscaling.minReplicas) (int $cfg.autoscaling.maxReplicas)) -}}
{{- $errors = append $errors (printf "%s.autoscaling.minReplicas (%d) is greater than maxReplicas (%d)" $key (int $cfg.autoscaling.minReplicas) (int $cfg.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if and $cfg.autoscaling.enabled (not (or $cfg.autoscaling.targetCPUUtilizationPercentage $cfg.autoscaling.targetMemoryUtilizationPercentage $cfg.autoscaling.customMetrics)) -}}
{{- $errors = append $errors (printf "%s.autoscaling needs at least one of targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage or customMetrics" $key) -}}
{{- end -}}
{{- if eq $cfg.releaseStrategy "canary" -}}
{{- if not (or $cfg.canary.tag $cfg.canary.digest) -}}
{{- $errors = append $errors (printf "%s.canary.tag (or canary.digest) is required when releaseStrategy is canary" $key) -}}
{{- end -}}
{{- if and (eq $cfg.canary.routing "nginx") (not (and $.Values.ingress.enabled $cfg.ingressPaths)) -}}
{{- $errors = append $errors (printf "%s.canary.routing=nginx needs ingress.enabled and %s.ingressPaths; use routing=service for an internal service" $key $key) -}}
{{- end -}}
{{- if and (eq $cfg.canary.routing "httpRoute") (not (and $.Values.httpRoute.enabled $cfg.ingressPaths)) -}}
{{- $errors = append $errors (printf "%s.canary.routing=httpRoute needs httpRoute.enabled and %s.ingressPaths" $key $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $svc, $_ := .Values.secrets.databasePasswords -}}
{{- if not (has $svc $names) -}}
{{- $errors = append $errors (printf "secrets.databasePasswords.%s does not match an enabled service" $svc) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if not .Values.postgresql.enabled -}}
{{- if not .Values.externalDatabase.host -}}
{{- $errors = append $errors "externalDatabase.host is required when postgresql.enabled=false (or set secrets.existingSecret)" -}}
{{- end -}}
{{- range $name := $names -}}
{{- $cfg := include "erp.settings" (list $ $name) | fromYaml -}}
{{- if and $cfg.database.enabled (not (index $.Values.secrets.databasePasswords $name)) -}}
{{- $errors = append $errors (printf "secrets.databasePasswords.%s is required when postgresql.enabled=false (or set secrets.existingSecret)" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.host) -}}
{{- $errors = append $errors "externalRedis.host is required when redis.enabled=false (or set secrets.existingSecret)" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.dapr.enabled (not .Values.redis.enabled) (not .Values.externalRedis.host) -}}
{{- $errors = append $errors "externalRedis.host is required for the Dapr components when redis.enabled=false" -}}
{{- end -}}
{{- if and (eq .Values.config.environment "production") (not .Values.secrets.existingSecret) -}}
{{- range $key := list "jwtSecret" "adminPassword" -}}
{{- $v := index $.Values.secrets $key -}}
{{- if and $v (lt (len $v) 16) -}}
{{- $errors = append $errors (printf "secrets.%s is shorter than 16 characters; production refuses weak secrets" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nerp-system values are invalid:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}
