//! [`AiEventItem`]: an AI event together with its type.

use serde::Serialize;

use crate::types::{
    AiEventBatchEventType, AiEventBatchItemsItem, AiEventItemSearchClickCompat,
    AiEventProductSearchClickCompat, AiEventRecommendationClickCompat,
    AiEventRecommendationViewCompat,
};

/// An AI event and its type. The AI batch endpoint takes one event type per request, so the
/// uploader groups events by [`AiEventItem::event_type`].
///
/// Implemented for the generated `*Compat` event types, for
/// [`AiEventBatchItemsItem`](crate::types::AiEventBatchItemsItem), and for
/// `(AiEventBatchEventType, T)` pairs with any `T: Serialize` (e.g. a `serde_json::Value`).
pub trait AiEventItem {
    /// What is serialised into the request's `items`.
    type Event: Serialize + ?Sized;

    /// The event type.
    fn event_type(&self) -> AiEventBatchEventType;

    /// The event itself.
    fn event(&self) -> &Self::Event;
}

impl<T: Serialize> AiEventItem for (AiEventBatchEventType, T) {
    type Event = T;

    fn event_type(&self) -> AiEventBatchEventType {
        self.0
    }

    fn event(&self) -> &T {
        &self.1
    }
}

impl<T: AiEventItem + ?Sized> AiEventItem for &T {
    type Event = T::Event;

    fn event_type(&self) -> AiEventBatchEventType {
        (**self).event_type()
    }

    fn event(&self) -> &T::Event {
        (**self).event()
    }
}

macro_rules! ai_event {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(
            impl AiEventItem for $ty {
                type Event = Self;

                fn event_type(&self) -> AiEventBatchEventType {
                    AiEventBatchEventType::$variant
                }

                fn event(&self) -> &Self {
                    self
                }
            }
        )*
    };
}

ai_event! {
    AiEventItemSearchClickCompat => ItemSearchClick,
    AiEventProductSearchClickCompat => ProductSearchClick,
    AiEventRecommendationClickCompat => RecommendationClick,
    AiEventRecommendationViewCompat => RecommendationView,
}

impl AiEventItem for AiEventBatchItemsItem {
    type Event = Self;

    fn event_type(&self) -> AiEventBatchEventType {
        match self {
            AiEventBatchItemsItem::ItemSearchClickCompat(_) => {
                AiEventBatchEventType::ItemSearchClick
            }
            AiEventBatchItemsItem::ProductSearchClickCompat(_) => {
                AiEventBatchEventType::ProductSearchClick
            }
            AiEventBatchItemsItem::RecommendationClickCompat(_) => {
                AiEventBatchEventType::RecommendationClick
            }
            AiEventBatchItemsItem::RecommendationViewCompat(_) => {
                AiEventBatchEventType::RecommendationView
            }
        }
    }

    fn event(&self) -> &Self {
        self
    }
}
