// Swift-facing helpers for GStreamer. Swift cannot call C variadics (g_object_set, gst_caps_new_simple) nor expand
// GLib's function-like macros (GST_IS_*, GST_BUFFER_PTS, GstVideoFrame accessors), so those live here as small
// static inline functions; everything else QInferCamera calls directly.
#ifndef QINFER_CGSTREAMER_SHIM_H
#define QINFER_CGSTREAMER_SHIM_H

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/base/gstbasesink.h>
#include <gst/video/video.h>

static inline GstClockTime qgst_clock_time_none(void) { return GST_CLOCK_TIME_NONE; }
static inline GstClockTime qgst_msecond(void) { return GST_MSECOND; }

static inline gboolean qgst_is_pipeline(GstElement *element) { return GST_IS_PIPELINE(element); }
static inline gboolean qgst_is_bin(GstElement *element) { return GST_IS_BIN(element); }
static inline gboolean qgst_is_app_sink(GstElement *element) { return GST_IS_APP_SINK(element); }
static inline GstAppSink *qgst_as_app_sink(GstElement *element) { return GST_APP_SINK(element); }
static inline GstBin *qgst_as_bin(GstElement *element) { return GST_BIN(element); }
static inline const gchar *qgst_type_name(GstElement *element) { return G_OBJECT_TYPE_NAME(element); }
/// appsink's "sync" (a GstBaseSink property; g_object_set is variadic).
static inline void qgst_app_sink_set_sync(GstAppSink *sink, gboolean sync) { gst_base_sink_set_sync(GST_BASE_SINK(sink), sync); }
static inline void qgst_object_unref(void *object) { gst_object_unref(object); }

static inline GstMessageType qgst_message_type(GstMessage *message) { return GST_MESSAGE_TYPE(message); }
/// The name of the element that posted a message ("" when it has no source), borrowed from the message.
static inline const gchar *qgst_message_source_name(GstMessage *message) {
    return GST_MESSAGE_SRC(message) ? GST_OBJECT_NAME(GST_MESSAGE_SRC(message)) : "";
}

/// video/x-raw with a format and, when both are positive, a fixed size (gst_caps_new_simple is variadic).
static inline GstCaps *qgst_video_caps(const gchar *format, gint width, gint height) {
    if (width > 0 && height > 0) {
        return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format,
                                   "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, NULL);
    }
    return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format, NULL);
}

static inline GstClockTime qgst_buffer_pts(GstBuffer *buffer) { return GST_BUFFER_PTS(buffer); }

static inline const guint8 *qgst_video_frame_plane(const GstVideoFrame *frame, guint plane) {
    return (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(frame, plane);
}
static inline gint qgst_video_frame_stride(const GstVideoFrame *frame, guint plane) {
    return GST_VIDEO_FRAME_PLANE_STRIDE(frame, plane);
}
static inline GstVideoFormat qgst_video_info_format(const GstVideoInfo *info) { return GST_VIDEO_INFO_FORMAT(info); }
static inline gint qgst_video_info_width(const GstVideoInfo *info) { return GST_VIDEO_INFO_WIDTH(info); }
static inline gint qgst_video_info_height(const GstVideoInfo *info) { return GST_VIDEO_INFO_HEIGHT(info); }

// --- Arrival numbering ---
// appsink 1.22 neither counts nor reports the buffers it drops (max-buffers=1 drop=true discards the older one
// silently), so a probe on its sink pad numbers every buffer that reaches it, in order, and attaches the number to
// the buffer as qdata. A pulled sample's buffer then says exactly which arrival it was; the gap to the previous
// pulled one is the number of frames dropped in between. qdata rather than a side table keyed by pointer: it
// travels with the buffer, so no race with newer arrivals and no table to bound.

typedef struct {
    guint64 arrived; // buffers that reached the sink pad; written by the streaming thread, read atomically
} QGstArrivals;

static inline GQuark qgst_arrival_quark(void) { return g_quark_from_static_string("qinfer-arrival-number"); }

static inline void qgst_number_buffer(GstBuffer *buffer, QGstArrivals *arrivals) {
    guint64 *number = g_new(guint64, 1);
    *number = __atomic_fetch_add(&arrivals->arrived, 1, __ATOMIC_SEQ_CST);
    gst_mini_object_set_qdata(GST_MINI_OBJECT_CAST(buffer), qgst_arrival_quark(), number, g_free);
}

static inline gboolean qgst_number_list_item(GstBuffer **buffer, guint index, gpointer arrivals) {
    (void)index;
    qgst_number_buffer(*buffer, (QGstArrivals *)arrivals);
    return TRUE;
}

static inline GstPadProbeReturn qgst_arrival_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data) {
    (void)pad;
    QGstArrivals *arrivals = (QGstArrivals *)user_data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        qgst_number_buffer(GST_PAD_PROBE_INFO_BUFFER(info), arrivals);
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), qgst_number_list_item, arrivals);
    }
    return GST_PAD_PROBE_OK;
}

/// Numbers the buffers reaching `sink`'s sink pad. The counter is freed with the probe (when the pad goes away);
/// read it only while the pipeline holding `sink` is alive. NULL when the element has no sink pad.
static inline QGstArrivals *qgst_number_arrivals(GstElement *sink) {
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    if (pad == NULL) return NULL;
    QGstArrivals *arrivals = g_new0(QGstArrivals, 1);
    gst_pad_add_probe(pad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      qgst_arrival_probe, arrivals, g_free);
    gst_object_unref(pad);
    return arrivals;
}

static inline guint64 qgst_arrived(const QGstArrivals *arrivals) {
    return __atomic_load_n(&arrivals->arrived, __ATOMIC_SEQ_CST);
}

/// The arrival number the probe gave `buffer`; FALSE when it went by before the probe was attached.
static inline gboolean qgst_arrival_number(GstBuffer *buffer, guint64 *number) {
    const guint64 *stored = (const guint64 *)gst_mini_object_get_qdata(GST_MINI_OBJECT_CAST(buffer), qgst_arrival_quark());
    if (stored == NULL) return FALSE;
    *number = *stored;
    return TRUE;
}

#endif
