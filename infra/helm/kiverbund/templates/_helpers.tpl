{{/* Names and labels. */}}
{{- define "kiverbund.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kiverbund.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "kiverbund.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "kiverbund.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kiverbund.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kiverbund.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kiverbund.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kiverbund.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kiverbund
{{- end -}}

{{/* Labels of one component: (dict "root" $ "component" "web") */}}
{{- define "kiverbund.componentLabels" -}}
{{ include "kiverbund.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kiverbund.componentSelector" -}}
{{ include "kiverbund.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kiverbund.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kiverbund.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kiverbund.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "kiverbund.consoleHost" -}}
{{- required "platform.domain is required: the platform domain, e.g. kiverbund.landkreis-musterland.de (towns are served at <town>.<domain>)" .Values.platform.domain | lower -}}
{{- end -}}

{{/* Every queue some worker group consumes, the default queue first. */}}
{{- define "kiverbund.allQueues" -}}
{{- $queues := list .Values.celery.defaultQueue -}}
{{- range .Values.workers -}}
{{- range .queues -}}
{{- $queues = append $queues . -}}
{{- end -}}
{{- end -}}
{{- $queues | uniq | join "," -}}
{{- end -}}

{{/* A value from an existing Secret: (dict "name" "SECRET_KEY" "secret" "…" "key" "…") */}}
{{- define "kiverbund.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}

{{/*
The environment of every container of the platform (web, workers, beat, jobs): the settings module reads
it (docs/operators.md, "Production settings"). Secrets come by reference only.
*/}}
{{- define "kiverbund.env" -}}
{{- $s := .Values.secrets -}}
- name: DJANGO_SETTINGS_MODULE
  value: kiverbund.settings
- name: DEBUG
  value: "false"
- name: PLATFORM_DOMAIN
  value: {{ include "kiverbund.consoleHost" . | quote }}
- name: PUBLIC_SCHEME
  value: {{ .Values.platform.publicScheme | quote }}
- name: PUBLIC_PORT
  value: {{ .Values.platform.publicPort | quote }}
{{- with .Values.platform.extraAllowedHosts }}
- name: EXTRA_ALLOWED_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- with .Values.platform.trustedProxies }}
- name: TRUSTED_PROXIES
  value: {{ join "," . | quote }}
{{- end }}
{{ include "kiverbund.secretEnv" (dict "name" "SECRET_KEY" "secret" (required "secrets.django.name is required: an existing Secret with Django's SECRET_KEY" $s.django.name) "key" $s.django.secretKeyKey) }}
{{ include "kiverbund.secretEnv" (dict "name" "DATABASE_URL" "secret" (required "secrets.database.name is required: an existing Secret with the PostgreSQL URL" $s.database.name) "key" $s.database.urlKey) }}
{{ include "kiverbund.secretEnv" (dict "name" "REDIS_URL" "secret" (required "secrets.redis.name is required: an existing Secret with the Redis URL" $s.redis.name) "key" $s.redis.urlKey) }}
{{ include "kiverbund.secretEnv" (dict "name" "KEYCLOAK_ADMIN_USER" "secret" (required "secrets.keycloakAdmin.name is required: an existing Secret with a Keycloak master-realm administrator" $s.keycloakAdmin.name) "key" $s.keycloakAdmin.usernameKey) }}
{{ include "kiverbund.secretEnv" (dict "name" "KEYCLOAK_ADMIN_PASSWORD" "secret" $s.keycloakAdmin.name "key" $s.keycloakAdmin.passwordKey) }}
{{- if $s.metricsToken.name }}
{{ include "kiverbund.secretEnv" (dict "name" "METRICS_TOKEN" "secret" $s.metricsToken.name "key" $s.metricsToken.key) }}
{{- end }}
- name: KEYCLOAK_URL
  value: {{ required "keycloak.url is required: Keycloak's base URL, e.g. https://login.landkreis-musterland.de" .Values.keycloak.url | quote }}
- name: KEYCLOAK_REALM
  value: {{ .Values.keycloak.realm | quote }}
- name: KEYCLOAK_PROVISIONING
  value: {{ .Values.keycloak.provisioning | quote }}
{{- if .Values.keycloak.emailTheme.enabled }}
- name: KEYCLOAK_EMAIL_THEME
  value: "kiverbund"
{{- end }}
- name: DATABASE_CONN_MAX_AGE
  value: {{ .Values.database.connMaxAge | int64 | quote }}
- name: CELERY_QUEUE
  value: {{ .Values.celery.defaultQueue | quote }}
- name: METRICS_ENABLED
  value: {{ .Values.metrics.enabled | quote }}
- name: METRICS_CELERY_QUEUES
  value: {{ include "kiverbund.allQueues" . | quote }}
- name: LOG_LEVEL
  value: {{ .Values.platform.logLevel | quote }}
- name: LOG_FORMAT
  value: {{ .Values.platform.logFormat | quote }}
- name: MEDIA_ROOT
  value: /var/lib/kiverbund/media
- name: EXPORT_ROOT
  value: /var/lib/kiverbund/exports
- name: STATIC_ROOT
  value: /opt/kiverbund/static
- name: HOME
  value: /tmp
{{- if eq .Values.platform.publicScheme "https" }}
# TLS ends at the ingress: it says so in X-Forwarded-Proto; the pods are reachable only through it
# (see the NetworkPolicy).
- name: SECURE_PROXY_SSL_HEADER
  value: "true"
- name: SECURE_SSL_REDIRECT
  value: "true"
- name: SESSION_COOKIE_SECURE
  value: "true"
- name: SECURE_HSTS_SECONDS
  value: {{ .Values.platform.hsts.seconds | int64 | quote }}
- name: SECURE_HSTS_INCLUDE_SUBDOMAINS
  value: {{ .Values.platform.hsts.includeSubdomains | quote }}
- name: SECURE_HSTS_PRELOAD
  value: {{ .Values.platform.hsts.preload | quote }}
{{- end }}
{{- range $name, $value := .Values.platform.extraEnv }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/*
The heartbeat of a worker or beat (core.heartbeat): its file in /tmp, the environment that makes the
process touch it, and the probes that read it. (dict "root" $ "name" "beat")
*/}}
{{- define "kiverbund.heartbeatEnv" -}}
- name: HEARTBEAT_FILE
  value: /tmp/{{ .name }}.heartbeat
- name: HEARTBEAT_SECONDS
  value: {{ .root.Values.celery.heartbeat.seconds | quote }}
{{- end -}}

{{- define "kiverbund.heartbeatProbes" -}}
{{- $hb := .root.Values.celery.heartbeat -}}
{{- $command := list "python" "-m" "core.heartbeat" "--max-age" ($hb.maxAgeSeconds | toString) -}}
# The first heartbeat comes once Django is loaded and the broker connected: up to five minutes.
startupProbe:
  exec:
    command: {{ toJson $command }}
  periodSeconds: 10
  timeoutSeconds: 10
  failureThreshold: 30
livenessProbe:
  exec:
    command: {{ toJson $command }}
  periodSeconds: {{ $hb.seconds }}
  timeoutSeconds: 10
  failureThreshold: 2
{{- end -}}

{{- define "kiverbund.envFrom" -}}
{{- with .Values.platform.extraEnvFrom }}
envFrom:
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kiverbund.podSecurityContext" -}}
securityContext:
{{ toYaml .Values.podSecurityContext | indent 2 }}
{{- end -}}

{{- define "kiverbund.containerSecurityContext" -}}
securityContext:
{{ toYaml .Values.securityContext | indent 2 }}
{{- end -}}

{{/* Writable places: /tmp in memory, media and exports on shared volumes. (dict "root" $ "data" true) */}}
{{- define "kiverbund.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: {{ .root.Values.tmpVolume.sizeLimit }}
{{- if .data }}
- name: media
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-media" (include "kiverbund.fullname" .root)) .root.Values.persistence.media.existingClaim }}
- name: exports
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-exports" (include "kiverbund.fullname" .root)) .root.Values.persistence.exports.existingClaim }}
{{- end }}
{{- end -}}

{{- define "kiverbund.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .data }}
- name: media
  mountPath: /var/lib/kiverbund/media
- name: exports
  mountPath: /var/lib/kiverbund/exports
{{- end }}
{{- end -}}

{{- define "kiverbund.podCommon" -}}
serviceAccountName: {{ include "kiverbund.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountToken }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . }}
{{- end }}
{{ include "kiverbund.podSecurityContext" . }}
{{- end -}}

{{- define "kiverbund.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}

{{/* Checks the schema cannot express; included once (web.yaml). */}}
{{- define "kiverbund.validate" -}}
{{- if lt (int .Values.celery.heartbeat.maxAgeSeconds) (mul 3 (int .Values.celery.heartbeat.seconds)) -}}
{{- fail "celery.heartbeat: maxAgeSeconds must be at least three times seconds (one late heartbeat must not restart a worker)" -}}
{{- end -}}
{{- if and .Values.web.autoscaling.enabled (gt (int .Values.web.autoscaling.minReplicas) (int .Values.web.autoscaling.maxReplicas)) -}}
{{- fail "web.autoscaling: minReplicas must not be greater than maxReplicas" -}}
{{- end -}}
{{- $names := list -}}
{{- range .Values.workers -}}
{{- if has .name $names -}}
{{- fail (printf "workers: the group name %q is used twice; each worker group needs its own name" .name) -}}
{{- end -}}
{{- $names = append $names .name -}}
{{- if and .autoscaling.enabled (gt (int .autoscaling.minReplicas) (int .autoscaling.maxReplicas)) -}}
{{- fail (printf "workers[%s].autoscaling: minReplicas must not be greater than maxReplicas" .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
